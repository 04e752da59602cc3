export * from "./containment.js";
export * from "./docker-engine.js";
export * from "./docker-frames.js";
export * from "./docker-requests.js";
export * from "./proc.js";
export * from "./signals.js";
export * from "./which.js";
