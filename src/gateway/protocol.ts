// MCP protocol versions the gateway speaks to clients, and how a session's version is chosen.

export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] as const;
export const LATEST_PROTOCOL_VERSION = SUPPORTED_PROTOCOL_VERSIONS[0];

export function isSupportedProtocolVersion(version: string): boolean {
  return (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version);
}

/** The client's requested version when we speak it, else our latest (the client then decides). */
export function negotiateProtocolVersion(requested: unknown): string {
  return typeof requested === "string" && isSupportedProtocolVersion(requested)
    ? requested
    : LATEST_PROTOCOL_VERSION;
}

export const LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && (LOG_LEVELS as readonly string[]).includes(value);
}

/** True when a message at `level` should reach a session that asked for `threshold` and above. */
export function passesLogLevel(level: unknown, threshold: LogLevel | undefined): boolean {
  if (threshold === undefined) return true;
  const rank = LOG_LEVELS.indexOf(level as LogLevel);
  return rank === -1 || rank >= LOG_LEVELS.indexOf(threshold);
}
