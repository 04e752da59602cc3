// The config layer's public face: load and validate a config file into the runtime form, explain its
// problems, compare two configs, and describe the file format as JSON Schema. runtime.ts is the part
// without zod and yaml, for the long-lived gateway process.

export { formatEnvLine, parseEnvFile } from "./env-file.js";
export { buildConfigJsonSchema } from "./json-schema.js";
export { loadConfigFile, parseConfigText } from "./load.js";
export * from "./runtime.js";
