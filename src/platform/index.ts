export * from "./cgroups.js";
export * from "./containment.js";
export * from "./proc.js";
export * from "./sandbox.js";
export * from "./signals.js";
export * from "./which.js";
