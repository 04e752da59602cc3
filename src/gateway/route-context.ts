// What request routing needs to see of the gateway, and the one way it forwards to an upstream.

import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, RequestBytes } from "../core/index.js";
import { type Answer, GATEWAY_ERROR, gatewayError, toResponseBody } from "../upstream/index.js";
import type { Catalog } from "./catalog.js";
import type { CatalogSync } from "./catalog-sync.js";
import { passesLogLevel } from "./protocol.js";
import type { QuotaGuard } from "./quotas.js";
import type { ClientSession } from "./session.js";
import type { SessionCatalogs } from "./session-catalogs.js";
import type { SessionOwner, Upstreams } from "./upstreams.js";

/** What the transport gives the gateway for one client request. */
export interface RequestStream {
  /** A notification that belongs to this request (progress, its logs). */
  notify(notification: JsonRpcNotification): void;
  /** Sends a server→client request on this request's stream; false when it cannot. */
  send(message: JsonRpcMessage): boolean;
  /** Aborted when the client goes away. Made on first use where it costs: most requests never wait. */
  readonly signal: AbortSignal;
  /**
   * True once the client went away. Forwards made for this request are cancelled through
   * `Gateway.cancelRequests(stream)`, not through `signal`: one listener per message costs more.
   */
  readonly closed: boolean;
}

export interface RouteContext {
  readonly session: ClientSession;
  readonly stream: RequestStream;
  /**
   * What this session sees: the gateway's catalog, or its own with its per-session instances' lists.
   * A method, read anew each time (a route that lists again sees what the listing changed), not a
   * getter: a getter in the per-request literal puts it in dictionary mode (see request-streams.ts).
   */
  catalog(): Catalog;
  readonly ownCatalogs: SessionCatalogs;
  readonly upstreams: Upstreams;
  readonly sync: CatalogSync;
  /** The session as owner of per-session instances. */
  readonly owner: SessionOwner;
  readonly quotas: QuotaGuard;
  /** The request as the client sent it, for routes that forward its params unchanged. */
  readonly encoded: RequestBytes | undefined;
}

/**
 * Log lines reach only a session that asked for them (logging/setLevel), at its level: the level a
 * shared server runs at may be another session's.
 */
export function wantsNotification(session: ClientSession, notification: JsonRpcNotification): boolean {
  if (notification.method !== "notifications/message") return true;
  const level = (notification.params as { level?: unknown } | undefined)?.level;
  return session.logLevel !== undefined && passesLogLevel(level, session.logLevel);
}

/**
 * Forwards `request` (with `params` in place of its own) to one server and resolves with its answer,
 * unread: a plain answer is the server's own line (use `toResponseBody` to read it). `encoded`: the
 * request's own bytes, only where `params` are the request's own (see `ForwardContext.encoded`).
 */
export async function forwardTo(
  context: RouteContext,
  server: string,
  request: JsonRpcRequest,
  params: unknown,
  encoded?: RequestBytes,
): Promise<Answer> {
  const { session, stream, upstreams, owner } = context;
  let connection = upstreams.readyConnection(server, owner);
  if (connection === undefined) {
    const connected = await upstreams.connect(server, stream.signal, owner);
    if ("error" in connected) return connected;
    connection = connected.connection;
  }
  if (stream.closed) {
    return { error: gatewayError(GATEWAY_ERROR.cancelled, "cancelled by the client", { server }) };
  }
  const { quotas } = context;
  if (!quotas.enterServer(server)) {
    const what = `server "${server}" has ${quotas.limits.inFlightPerServer} requests in flight; try again when some are answered`;
    return { error: quotas.refuse("inFlightPerServer", session.address, what) };
  }
  const timeoutMs = upstreams.server(server)?.requestTimeoutMs ?? 60_000;
  try {
    return await connection.relay(request.method, params, {
      sessionId: session.id,
      originalId: request.id,
      timeoutMs,
      onNotification: (notification) => {
        if (wantsNotification(session, notification)) stream.notify(notification);
      },
      askClient: (method, askParams, signal) =>
        session.ask(method, askParams, (message) => stream.send(message), timeoutMs, signal),
      origin: stream,
      encoded,
    });
  } finally {
    quotas.leaveServer(server);
  }
}

/**
 * The subscriptionUriBytes quota, checked before anything else looks at the URI (on /mcp, before the
 * catalog resolves it): a refusal names the quota, whatever else the URI would have met.
 */
export function refuseLongSubscriptionUri(context: RouteContext, uri: string): Answer | undefined {
  const { session, quotas } = context;
  const uriBytes = Buffer.byteLength(uri);
  if (uriBytes <= quotas.limits.subscriptionUriBytes) return undefined;
  const what = `the resource URI is ${uriBytes} bytes long`;
  return {
    error: quotas.refuse("subscriptionUriBytes", session.address, what, GATEWAY_ERROR.invalidParams),
  };
}

/**
 * A `resources/subscribe`: refused over the session's quotas, else forwarded, and the URI kept only
 * once the server accepted it (a refused subscribe stores nothing).
 */
export async function subscribe(
  context: RouteContext,
  server: string,
  request: JsonRpcRequest,
  uri: string,
  encoded?: RequestBytes,
): Promise<Answer> {
  const { session, quotas } = context;
  const tooLong = refuseLongSubscriptionUri(context, uri);
  if (tooLong !== undefined) return tooLong;
  const held = session.subscriptions.size + session.pendingSubscribes;
  if (!session.subscriptions.has(uri) && held >= quotas.limits.subscriptionsPerSession) {
    const what = `this session holds ${held} subscriptions; unsubscribe from some first`;
    return { error: quotas.refuse("subscriptionsPerSession", session.address, what) };
  }
  session.pendingSubscribes += 1;
  let answer: Answer;
  try {
    answer = await forwardTo(context, server, request, request.params, encoded);
  } finally {
    session.pendingSubscribes -= 1;
  }
  const body = toResponseBody(answer);
  if ("result" in body && !session.closed) session.subscriptions.add(uri);
  return body;
}
