// Every default of the config in one place, in runtime units, so the schema's documentation, the
// normaliser and docs/config.md cannot disagree.

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 11_000;
export const DEFAULT_STATE_DIR = ".corral";
export const DEFAULT_SEPARATOR = "__";

export const SERVER_DEFAULTS = {
  mode: "shared",
  replicas: 1,
  maxInstances: 16,
  /** per-session instances are reaped after this long idle; shared ones never are. */
  perSessionIdleTimeoutMs: 600_000,
  start: "eager",
  startupTimeoutMs: 30_000,
  requestTimeoutMs: 60_000,
  restart: {
    enabled: true,
    initialDelayMs: 1_000,
    maxDelayMs: 60_000,
    resetAfterMs: 600_000,
    maxFailures: 5,
    jitter: 0.1,
  },
  stop: { stdinGraceMs: 2_000, termGraceMs: 5_000 },
  health: { intervalMs: 30_000, timeoutMs: 5_000, failureThreshold: 3 },
  limits: { enforce: "strict" },
  sandbox: { network: "none", tmp: "private" },
  runtime: "process",
  container: { network: "none", pull: "missing", readOnlyRoot: true },
} as const;

/** Server names end up in URL paths (`/servers/<name>/mcp`) and tool prefixes. */
export const SERVER_NAME_PATTERN = "^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$";

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_SESSION_IDLE_TIMEOUT_MS = 60 * 60_000;

/**
 * `gateway.quotas`: what one client, one session or everyone together may hold of the gateway
 * (docs/security.md#quotas). Generous enough for the bench and a busy team, small enough that the
 * sum stays within a few hundred MiB.
 */
export const QUOTA_DEFAULTS = {
  sessions: 1_000,
  sessionsPerAddress: 100,
  initializeDataBytes: 8 * 1024,
  subscriptionsPerSession: 100,
  subscriptionUriBytes: 2 * 1024,
  batchLength: 100,
  inFlightPerSession: 256,
  inFlightPerServer: 1_024,
  sseStreamsPerSession: 32,
  connections: 1_024,
  streamBufferBytes: 1024 * 1024,
  instanceSharePerAddress: 0.5,
} as const;
