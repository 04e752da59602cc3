// The config layer's light face, for the long-lived `corral up` process: the runtime types and the
// helpers that work on them, with neither zod nor yaml behind it (scripts/check-layers.mjs checks).
// Loading goes through a short-lived node process that has both; index.ts is the full face.

export { QUOTA_DEFAULTS } from "./defaults.js";
export type { ConfigDiff } from "./diff.js";
export { diffConfigs } from "./diff.js";
export { formatDuration, parseDuration } from "./duration.js";
export { formatConfigIssues } from "./format-issues.js";
export { loadConfigFileInSubprocess } from "./load-in-subprocess.js";
export { listSecretValues } from "./secrets.js";
export { parseSize } from "./size.js";
export { stripJsonComments } from "./strip-json-comments.js";
export type * from "./types.js";
