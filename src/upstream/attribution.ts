// Which client session a server's own message belongs to. Over stdio nothing links a server→client
// request or a log line to the client request it serves (only progress carries a token), so the
// answer comes from what is in flight on the instance, and anything ambiguous belongs to nobody.

import type { JsonRpcNotification } from "../core/index.js";
import type { ServerRequestRoute } from "./connection.js";

/** What attribution needs to see of one request in flight. */
export interface InFlightView {
  readonly method: string;
  readonly context: {
    readonly sessionId: string;
    /** Present on client requests; the gateway's own (catalog sync, REST) have no client to ask. */
    readonly askClient?: ServerRequestRoute | undefined;
    readonly onNotification: (notification: JsonRpcNotification) => void;
  };
}

/** Client requests during which a shared server may ask that client something (docs/gateway.md). */
const ASKING_METHODS: ReadonlySet<string> = new Set(["tools/call", "prompts/get"]);

/**
 * Where a server→client request goes: the `askClient` of the one request it serves, "owner" (the
 * per-session instance's one session, on its standalone stream), or why it cannot be attributed.
 * `owned`: the instance serves one session only (per-session mode), so the session is never in doubt.
 */
export function attributeServerRequest(
  inFlight: Iterable<InFlightView>,
  owned: boolean,
): ServerRequestRoute | "owner" | string {
  const entries = [...inFlight];
  const clients = entries.filter((entry) => entry.context.askClient !== undefined);
  if (owned) {
    // Every client request here is the owner's: its stream when exactly one, else the standalone one.
    const [only] = clients;
    return clients.length === 1 && only?.context.askClient !== undefined ? only.context.askClient : "owner";
  }
  if (entries.length === 0) return "no client request is in flight on this shared instance";
  if (entries.length > 1) {
    const sessions = new Set(clients.map((entry) => entry.context.sessionId)).size;
    return `${entries.length} requests (of ${sessions} client session${sessions === 1 ? "" : "s"} and corral itself) are in flight on this shared instance`;
  }
  const [only] = entries;
  if (only?.context.askClient === undefined)
    return "the only request in flight on this shared instance is corral's own";
  if (!ASKING_METHODS.has(only.method))
    return `the only request in flight on this shared instance is a ${only.method}, not a tools/call or prompts/get`;
  return only.context.askClient;
}

/**
 * Who gets a log line (notifications/message): the one client request in flight (its route applies
 * the session's level), "instance" (the instance's fan-out: the owner of a per-session instance, or
 * every session of a shared one that set a level, when no client request is in flight), or
 * "unattributable" when several client requests could have caused it on a shared instance.
 */
export function attributeLog(
  inFlight: Iterable<InFlightView>,
  owned: boolean,
): InFlightView["context"] | "instance" | "unattributable" {
  const clients = [...inFlight].filter((entry) => entry.context.askClient !== undefined);
  const [only] = clients;
  if (clients.length === 1 && only !== undefined) return only.context;
  if (clients.length === 0 || owned) return "instance";
  return "unattributable";
}
