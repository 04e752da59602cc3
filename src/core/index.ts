export * from "./abort.js";
export * from "./backoff.js";
export * from "./disposable.js";
export * from "./errors.js";
export * from "./json-rpc.js";
export * from "./json-scan.js";
export * from "./redact.js";
export * from "./terminal-text.js";
