// What request routing needs to see of the gateway, and the one way it forwards to an upstream.

import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest } from "../core/index.js";
import type { ResponseBody } from "../upstream/index.js";
import type { Catalog } from "./catalog.js";
import type { CatalogSync } from "./catalog-sync.js";
import type { ClientSession } from "./session.js";
import type { SessionOwner, Upstreams } from "./upstreams.js";

/** What the transport gives the gateway for one client request. */
export interface RequestStream {
  /** A notification that belongs to this request (progress, its logs). */
  notify(notification: JsonRpcNotification): void;
  /** Sends a server→client request on this request's stream; false when it cannot. */
  send(message: JsonRpcMessage): boolean;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

export interface RouteContext {
  readonly session: ClientSession;
  readonly stream: RequestStream;
  readonly catalog: Catalog;
  readonly upstreams: Upstreams;
  readonly sync: CatalogSync;
  /** The session as owner of per-session instances. */
  readonly owner: SessionOwner;
}

/** Forwards `request` (with `params` in place of its own) to one server and resolves with its answer. */
export async function forwardTo(
  context: RouteContext,
  server: string,
  request: JsonRpcRequest,
  params: unknown,
): Promise<ResponseBody> {
  const connected = await context.upstreams.connect(server, context.stream.signal, context.owner);
  if ("error" in connected) return connected;
  const timeoutMs = context.upstreams.server(server)?.requestTimeoutMs ?? 60_000;
  const { session, stream } = context;
  return connected.connection.forward(request.method, params, {
    sessionId: session.id,
    originalId: request.id,
    timeoutMs,
    onNotification: (notification) => stream.notify(notification),
    askClient: (method, askParams, signal) =>
      session.ask(method, askParams, (message) => stream.send(message), timeoutMs, signal),
    signal: stream.signal,
  });
}
