// GET /api/v1/mcp/status: the gateway as a whole in one small object (docs/api.md): ok, degraded or
// down, servers per state, the processes it manages (descendants included), client sessions, uptime.

import { INSTANCE_STATES, type InstanceState, type ServerStatus } from "../supervisor/index.js";

export type OverallStatus = "ok" | "degraded" | "down";

export interface StatusView {
  readonly status: OverallStatus;
  readonly servers: {
    readonly total: number;
    /** Every state, zeros included; disabled servers count as stopped. */
    readonly byState: Readonly<Record<InstanceState, number>>;
  };
  /** Server processes (and every descendant of theirs) the gateway manages right now. */
  readonly processes: number;
  /** MCP client sessions open on the gateway. */
  readonly sessions: number;
  readonly uptimeSeconds: number;
  readonly startedAt: string;
  readonly version: string;
}

const LIVE: ReadonlySet<InstanceState> = new Set(["ready", "degraded"]);
const BROKEN: ReadonlySet<InstanceState> = new Set(["backoff", "failed"]);
const IN_BETWEEN: ReadonlySet<InstanceState> = new Set([
  "degraded",
  "starting",
  "stopping",
  "backoff",
  "failed",
]);

/**
 * ok: every enabled server is ready, or stopped on purpose (lazy, idle, per-session, by an operator).
 * down: none can take requests and at least one is in backoff or failed. degraded: anything between.
 */
export function overallStatus(
  servers: readonly ServerStatus[],
  disabled: ReadonlySet<string>,
): OverallStatus {
  const enabled = servers.filter((server) => !disabled.has(server.name));
  if (!enabled.some((server) => IN_BETWEEN.has(server.state))) return "ok";
  const anyLive = enabled.some((server) => LIVE.has(server.state));
  const anyBroken = enabled.some((server) => BROKEN.has(server.state));
  return !anyLive && anyBroken ? "down" : "degraded";
}

export function viewStatus(options: {
  readonly servers: readonly ServerStatus[];
  readonly disabled: ReadonlySet<string>;
  readonly sessions: number;
  /** Managed processes, descendants included (the supervisor's count, which maxProcesses bounds). */
  readonly processes: number;
  readonly startedAt: number;
  readonly version: string;
}): StatusView {
  const byState = Object.fromEntries(INSTANCE_STATES.map((state) => [state, 0])) as Record<
    InstanceState,
    number
  >;
  for (const server of options.servers) byState[server.state] += 1;
  return {
    status: overallStatus(options.servers, options.disabled),
    servers: { total: options.servers.length, byState },
    processes: options.processes,
    sessions: options.sessions,
    uptimeSeconds: Math.round((Date.now() - options.startedAt) / 1000),
    startedAt: new Date(options.startedAt).toISOString(),
    version: options.version,
  };
}
