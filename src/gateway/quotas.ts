// The gateway's quotas (`gateway.quotas`, docs/security.md#quotas): the limits, the one error shape a
// refusal takes (naming the quota and the key that raises it), and logging each refusal at most once
// per quota and client address per minute, so a flood of refusals cannot flood the log too.

import type { Quotas } from "../config/index.js";
import type { Logger } from "../observability/index.js";
import { gatewayError } from "../upstream/index.js";

/** JSON-RPC code of a quota refusal; outside the reserved range, beside the other gateway codes. */
export const QUOTA_EXCEEDED = -31006;

/** The config key (under `gateway.quotas`) of each quota, as refusals name it. */
export const QUOTA_KEYS = {
  sessions: "sessions",
  sessionsPerAddress: "sessionsPerAddress",
  initializeDataBytes: "initializeData",
  subscriptionsPerSession: "subscriptionsPerSession",
  subscriptionUriBytes: "subscriptionUri",
  batchLength: "batchLength",
  inFlightPerSession: "inFlightPerSession",
  inFlightPerServer: "inFlightPerServer",
  sseStreamsPerSession: "sseStreamsPerSession",
  connections: "connections",
  streamBufferBytes: "streamBuffer",
  instanceSharePerAddress: "instanceSharePerAddress",
} as const satisfies Record<keyof Quotas, string>;

export type QuotaName = keyof Quotas;

const LOG_INTERVAL_MS = 60_000;
/** Beyond this many (quota, address) pairs remembered, the memory of what was logged starts over. */
const MAX_REMEMBERED = 10_000;

/** True for 127.0.0.0/8 and ::1 (also IPv4-mapped): the host's own clients, one user. */
export function isLoopbackAddress(address: string): boolean {
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  return plain === "::1" || plain.startsWith("127.");
}

export class QuotaGuard {
  readonly limits: Quotas;
  readonly #logger: Logger;
  readonly #loggedAt = new Map<string, number>();
  readonly #serverInFlight = new Map<string, number>();

  constructor(limits: Quotas, logger: Logger) {
    this.limits = limits;
    this.#logger = logger;
  }

  /**
   * The error for a refusal, logged at info once per (quota, address) per minute. `what` says what
   * was refused, in words a client's user can act on.
   */
  refuse(quota: QuotaName, address: string | undefined, what: string, code: number = QUOTA_EXCEEDED) {
    const key = `gateway.quotas.${QUOTA_KEYS[quota]}`;
    const limit = this.limits[quota];
    const message = `quota ${QUOTA_KEYS[quota]} reached: ${what} (limit ${limit}); raise ${key} in the config to allow more`;
    this.#log(quota, address ?? "unknown", message);
    return gatewayError(code, message, { quota: QUOTA_KEYS[quota], key, limit });
  }

  /** Counts a request to `server` in; false (nothing counted) when the server has its quota in flight. */
  enterServer(server: string): boolean {
    const count = this.#serverInFlight.get(server) ?? 0;
    if (count >= this.limits.inFlightPerServer) return false;
    this.#serverInFlight.set(server, count + 1);
    return true;
  }

  leaveServer(server: string): void {
    const count = (this.#serverInFlight.get(server) ?? 1) - 1;
    if (count <= 0) this.#serverInFlight.delete(server);
    else this.#serverInFlight.set(server, count);
  }

  /** Logs a quota outcome that is not a JSON-RPC refusal (a dropped connection or stream). */
  note(quota: QuotaName, address: string | undefined, message: string): void {
    this.#log(quota, address ?? "unknown", message);
  }

  #log(quota: QuotaName, address: string, message: string): void {
    const id = `${quota}\0${address}`;
    const now = Date.now();
    const last = this.#loggedAt.get(id);
    if (last !== undefined && now - last < LOG_INTERVAL_MS) return;
    if (this.#loggedAt.size >= MAX_REMEMBERED) this.#loggedAt.clear();
    this.#loggedAt.set(id, now);
    this.#logger.info({ quota: QUOTA_KEYS[quota], address }, message);
  }
}
