// GET /readyz: whether the gateway serves what it should, by `gateway.readiness` (docs/api.md), and
// for each server that keeps it unready (or would), its state and why.

import type { Readiness } from "../config/index.js";
import type { ServerStatus } from "../supervisor/index.js";

export interface NotReadyServer {
  readonly name: string;
  readonly state: string;
  readonly reason: string;
}

export interface ReadinessView {
  readonly ready: boolean;
  readonly readiness: Readiness;
  /** The counted servers that cannot take requests now, in config order. */
  readonly notReady: readonly NotReadyServer[];
}

/**
 * Why a server cannot take requests now; undefined when it can. A shared server that is stopped but
 * not held starts on use (lazy, or stopped as idle), and a per-session one starts an instance per
 * client session: both can.
 */
function whyNotReady(server: ServerStatus, disabled: boolean): string | undefined {
  if (disabled) return "disabled in the config";
  if (server.hold !== undefined) return server.reason;
  if (server.mode === "per-session") return undefined;
  if (server.state === "ready" || server.state === "degraded" || server.state === "stopped") return undefined;
  return server.reason;
}

export function viewReadiness(
  servers: readonly ServerStatus[],
  disabled: ReadonlySet<string>,
  readiness: Readiness,
): ReadinessView {
  // all / any count the servers that should be running: enabled, eager, shared, not held.
  const counted =
    typeof readiness === "string"
      ? servers.filter(
          (server) =>
            !disabled.has(server.name) &&
            server.start === "eager" &&
            server.mode === "shared" &&
            server.hold === undefined,
        )
      : servers.filter((server) => readiness.includes(server.name));
  const notReady: NotReadyServer[] = [];
  for (const server of counted) {
    const why = whyNotReady(server, disabled.has(server.name));
    if (why !== undefined) notReady.push({ name: server.name, state: server.state, reason: why });
  }
  const ready =
    readiness === "any" ? counted.length === 0 || notReady.length < counted.length : notReady.length === 0;
  return { ready, readiness, notReady };
}
