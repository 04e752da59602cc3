// The config layer's public face: load and validate a config file into the runtime form, explain its
// problems, compare two configs, and describe the file format as JSON Schema.
export type { ConfigDiff } from "./diff.js";
export { diffConfigs } from "./diff.js";
export { formatDuration, parseDuration } from "./duration.js";
export { formatConfigIssues } from "./format-issues.js";
export { buildConfigJsonSchema } from "./json-schema.js";
export { loadConfigFile, parseConfigText } from "./load.js";
export { parseSize } from "./size.js";
export { stripJsonComments } from "./strip-json-comments.js";
export type * from "./types.js";
