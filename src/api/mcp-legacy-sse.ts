// The legacy HTTP+SSE transport towards clients (MCP 2024-11-05): GET opens an event stream whose first
// event names the URL to POST to; every POST is answered 202 and its answers, like everything the
// server sends, travel on that one stream. Closing the stream ends the session.

import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from "../core/index.js";
import { isJsonRpcRequest } from "../core/index.js";
import type { ClientSession, Gateway, SessionScope } from "../gateway/index.js";
import type { Logger } from "../observability/index.js";
import { encodeAnswer, GATEWAY_ERROR, gatewayError } from "../upstream/index.js";
import {
  ANSWERED,
  accepts,
  clientAddress,
  readClientMessages,
  refuseBatch,
  refuseLongBatch,
  sendRpcError,
} from "./json-rpc-http.js";
import { LegacyRequestStream } from "./request-streams.js";
import { boundStream, keepAlive, SSE_HEADERS, writeSseEvent } from "./sse.js";

export interface LegacySseOptions {
  readonly gateway: Gateway;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
}

/** One open GET stream; the gateway session exists once the client's initialize went through. */
interface LegacyStream {
  readonly id: string;
  readonly scope: SessionScope;
  readonly response: ServerResponse;
  /** The client's address, for per-address quotas. */
  readonly address: string;
  /** Aborted when the stream closes, so requests in flight are cancelled upstream. */
  readonly aborter: AbortController;
  session: ClientSession | undefined;
  initializing: Promise<ClientSession | undefined> | undefined;
}

export type LegacyEndpoint = "sse" | "messages";

function sameScope(a: SessionScope, b: SessionScope): boolean {
  return a.kind === "all" ? b.kind === "all" : b.kind === "server" && a.server === b.server;
}

/** Returns the handler of `…/sse` (GET opens a stream) and `…/messages` (POST delivers to one). */
export function createLegacySseHandler(options: LegacySseOptions) {
  const { gateway, logger } = options;
  const streams = new Map<string, LegacyStream>();

  function send(stream: LegacyStream, message: JsonRpcMessage): boolean {
    return writeSseEvent(stream.response, JSON.stringify(message));
  }

  async function initialize(
    stream: LegacyStream,
    message: JsonRpcRequest,
  ): Promise<ClientSession | undefined> {
    const outcome = await gateway.initialize(
      stream.scope,
      message.params as Record<string, unknown> | undefined,
      stream.address,
    );
    if ("error" in outcome) {
      stream.initializing = undefined;
      send(stream, { jsonrpc: "2.0", id: message.id, error: outcome.error });
      return undefined;
    }
    const { session } = outcome;
    if (stream.aborter.signal.aborted) {
      gateway.closeSession(session.id, "the legacy SSE stream closed during initialize");
      return undefined;
    }
    stream.session = session;
    session.outbound = { send: (outgoing) => send(stream, outgoing) };
    send(stream, { jsonrpc: "2.0", id: message.id, result: outcome.result });
    return session;
  }

  async function handleMessage(stream: LegacyStream, message: JsonRpcMessage): Promise<void> {
    const request = isJsonRpcRequest(message) ? message : undefined;
    if (
      request?.method === "initialize" &&
      stream.session === undefined &&
      stream.initializing === undefined
    ) {
      stream.initializing = initialize(stream, request);
      await stream.initializing;
      return;
    }
    const session = stream.session ?? (await stream.initializing);
    if (session === undefined) {
      if (request !== undefined) {
        send(stream, {
          jsonrpc: "2.0",
          id: request.id,
          error: gatewayError(GATEWAY_ERROR.invalidRequest, "send initialize first on this SSE session"),
        });
      }
      return;
    }
    if (request === undefined) {
      gateway.handleClientMessage(session, message as JsonRpcNotification | JsonRpcResponse);
      return;
    }
    const body = await gateway.handleRequest(
      session,
      request,
      new LegacyRequestStream(stream.response, stream.aborter),
    );
    writeSseEvent(stream.response, encodeAnswer(request.id, body));
  }

  function close(stream: LegacyStream): void {
    if (streams.get(stream.id) !== stream) return;
    streams.delete(stream.id);
    stream.aborter.abort(new Error("the legacy SSE stream closed"));
    if (stream.session !== undefined)
      gateway.closeSession(stream.session.id, "the client closed its legacy SSE stream");
    if (!stream.response.writableEnded && !stream.response.destroyed) stream.response.end();
  }

  function open(
    request: IncomingMessage,
    response: ServerResponse,
    scope: SessionScope,
    messagesPath: string,
  ): void {
    if (!accepts(request, "text/event-stream")) {
      sendRpcError(
        response,
        406,
        GATEWAY_ERROR.invalidRequest,
        "Not Acceptable: the SSE endpoint needs Accept: text/event-stream",
      );
      return;
    }
    // 128 random bits: the id is the only credential of a legacy session.
    const id = randomBytes(16).toString("base64url");
    const stream: LegacyStream = {
      id,
      scope,
      response,
      address: clientAddress(request),
      aborter: new AbortController(),
      session: undefined,
      initializing: undefined,
    };
    streams.set(id, stream);
    response.writeHead(200, SSE_HEADERS);
    writeSseEvent(response, `${messagesPath}?sessionId=${id}`, "endpoint");
    boundStream(response, gateway.quotas.limits.streamBufferBytes, (queued) =>
      gateway.quotas.note(
        "streamBufferBytes",
        stream.address,
        `ended legacy SSE stream ${id}: its client stopped reading with ${queued} bytes queued (gateway.quotas.streamBuffer)`,
      ),
    );
    const stopKeepAlive = keepAlive(response);
    response.on("close", () => {
      stopKeepAlive();
      close(stream);
    });
    logger.debug({ scope, stream: id }, "legacy SSE stream opened");
  }

  async function post(
    request: IncomingMessage,
    response: ServerResponse,
    scope: SessionScope,
  ): Promise<void> {
    const id = new URL(request.url ?? "/", "http://corral").searchParams.get("sessionId");
    if (id === null || id === "") {
      request.resume();
      sendRpcError(
        response,
        400,
        GATEWAY_ERROR.invalidRequest,
        "Bad Request: the sessionId query parameter is required (use the URL of the endpoint event)",
      );
      return;
    }
    const stream = streams.get(id);
    if (stream?.session?.closed === true) close(stream);
    if (stream === undefined || stream.session?.closed === true || !sameScope(stream.scope, scope)) {
      request.resume();
      sendRpcError(
        response,
        404,
        -32001,
        "Session not found: its SSE stream closed, or it belongs to another endpoint; open a new one",
      );
      return;
    }
    const body = await readClientMessages(request, response, options.maxBodyBytes);
    if (body === ANSWERED) return;
    const { messages } = body;
    const version = stream.session?.protocolVersion;
    if (body.batch && version !== undefined && refuseBatch(response, version)) return;
    if (body.batch && refuseLongBatch(response, messages.length, gateway.quotas, stream.address)) return;
    response.writeHead(202, { "content-type": "text/plain" }).end("Accepted");
    for (const message of messages) {
      handleMessage(stream, message).catch((error: unknown) => {
        logger.error({ err: String(error), stream: id }, "legacy SSE message failed");
      });
    }
  }

  return async (
    request: IncomingMessage,
    response: ServerResponse,
    scope: SessionScope,
    endpoint: LegacyEndpoint,
  ): Promise<void> => {
    const method = endpoint === "sse" ? "GET" : "POST";
    if (request.method !== method) {
      request.resume();
      response.setHeader("allow", method);
      sendRpcError(response, 405, GATEWAY_ERROR.invalidRequest, `Method Not Allowed: ${request.method}`);
      return;
    }
    if (endpoint === "messages") return post(request, response, scope);
    const prefix = scope.kind === "all" ? "" : `/servers/${encodeURIComponent(scope.server)}`;
    open(request, response, scope, `${prefix}/messages`);
  };
}
