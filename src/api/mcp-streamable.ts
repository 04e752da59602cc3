// The MCP Streamable HTTP transport towards clients (spec 2025-03-26 and later): POST carries
// client messages and gets a JSON answer, or an SSE stream when notifications or server requests
// precede the answer; GET opens the session's stream for server-initiated messages; DELETE ends it.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from "../core/index.js";
import { findRequestBytes, isJsonRpcRequest } from "../core/index.js";
import {
  type ClientSession,
  type Gateway,
  isSupportedProtocolVersion,
  QUOTA_EXCEEDED,
  type SessionScope,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "../gateway/index.js";
import type { Logger } from "../observability/index.js";
import { encodeAnswer, GATEWAY_ERROR, toResponseBody } from "../upstream/index.js";
import {
  ANSWERED,
  accepts,
  clientAddress,
  readClientMessages,
  refuseBatch,
  refuseLongBatch,
  sendRpcError,
} from "./json-rpc-http.js";
import { QuietStream, ResponseStream, type StreamAdmission } from "./request-streams.js";
import { boundStream, keepAlive, SSE_HEADERS, sendJsonPieces, writeSseEvent } from "./sse.js";

const SESSION_HEADER = "mcp-session-id";
const VERSION_HEADER = "mcp-protocol-version";

export interface StreamableOptions {
  readonly gateway: Gateway;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function createStreamableHandler(options: StreamableOptions) {
  const { gateway, logger } = options;

  /** The session a non-initialize request belongs to, or an error already sent. */
  function findSession(
    request: IncomingMessage,
    response: ServerResponse,
    scope: SessionScope,
  ): ClientSession | undefined {
    const id = request.headers[SESSION_HEADER];
    if (typeof id !== "string" || id === "") {
      sendRpcError(
        response,
        400,
        GATEWAY_ERROR.invalidRequest,
        "Bad Request: Mcp-Session-Id header is required (send initialize first)",
      );
      return undefined;
    }
    const session = gateway.getSession(id);
    const sameScope =
      session !== undefined &&
      (scope.kind === "all"
        ? session.scope.kind === "all"
        : session.scope.kind === "server" && session.scope.server === scope.server);
    if (session === undefined || !sameScope) {
      sendRpcError(
        response,
        404,
        -32001,
        "Session not found: it expired, was deleted, or belongs to another endpoint; initialize again",
      );
      return undefined;
    }
    const version = request.headers[VERSION_HEADER];
    if (typeof version === "string" && !isSupportedProtocolVersion(version)) {
      sendRpcError(
        response,
        400,
        GATEWAY_ERROR.invalidRequest,
        `Bad Request: unsupported MCP-Protocol-Version ${version}; supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}`,
      );
      return undefined;
    }
    return session;
  }

  /** Counts a session's SSE streams in and out, and bounds what each may queue (gateway.quotas). */
  function boundSessionStream(response: ServerResponse, session: ClientSession): void {
    session.sseStreams += 1;
    response.once("close", () => {
      session.sseStreams -= 1;
    });
    boundStream(response, gateway.quotas.limits.streamBufferBytes, (queued) =>
      gateway.quotas.note(
        "streamBufferBytes",
        session.address,
        `ended an SSE stream of session ${session.id}: its client stopped reading with ${queued} bytes queued (gateway.quotas.streamBuffer)`,
      ),
    );
  }

  /** Whether one more SSE stream of `session` is within gateway.quotas.sseStreamsPerSession. */
  function hasStreamRoom(session: ClientSession): boolean {
    return session.sseStreams < gateway.quotas.limits.sseStreamsPerSession;
  }

  function refuseStream(response: ServerResponse, session: ClientSession, id: unknown = null): void {
    const error = gateway.quotas.refuse(
      "sseStreamsPerSession",
      session.address,
      `this session has ${session.sseStreams} SSE streams open; close some first`,
    );
    const text = JSON.stringify({ jsonrpc: "2.0", id, error });
    response.writeHead(429, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    });
    response.end(text);
  }

  async function answerRequest(
    request: IncomingMessage,
    response: ServerResponse,
    session: ClientSession,
    message: JsonRpcRequest,
    bytes: Buffer,
  ) {
    const admission: StreamAdmission = {
      admit() {
        if (!hasStreamRoom(session)) {
          // Refused at once; the work behind the request is cancelled, since nobody can get its answer.
          refuseStream(response, session, message.id);
          queueMicrotask(() => gateway.cancelRequests(stream, "its SSE stream was refused over a quota"));
          return false;
        }
        boundSessionStream(response, session);
        return true;
      },
    };
    const stream = new ResponseStream(response, accepts(request, "text/event-stream"), admission);
    response.on("close", () => {
      if (stream.clientGone()) gateway.cancelRequests(stream, "client disconnected");
    });
    const body = await gateway.handleRequest(session, message, stream, findRequestBytes(bytes));
    const streaming = stream.finish();
    if (response.destroyed || response.writableEnded) return;
    const answer = encodeAnswer(message.id, body);
    if (streaming) {
      writeSseEvent(response, answer);
      response.end();
    } else sendJsonPieces(response, answer);
  }

  async function handlePost(
    request: IncomingMessage,
    response: ServerResponse,
    scope: SessionScope,
  ): Promise<void> {
    const body = await readClientMessages(request, response, options.maxBodyBytes);
    if (body === ANSWERED) return;
    const { messages, batch } = body;
    if (body.request?.method === "initialize") {
      const initialize = body.request;
      const outcome = await gateway.initialize(
        scope,
        initialize.params as Record<string, unknown> | undefined,
        clientAddress(request),
      );
      if ("error" in outcome) {
        const status = outcome.error.code === QUOTA_EXCEEDED ? 429 : 200;
        sendJson(response, status, { jsonrpc: "2.0", id: initialize.id, error: outcome.error });
        return;
      }
      sendJson(
        response,
        200,
        { jsonrpc: "2.0", id: initialize.id, result: outcome.result },
        { [SESSION_HEADER]: outcome.session.id },
      );
      return;
    }
    const session = findSession(request, response, scope);
    if (session === undefined) return;
    if (batch && refuseBatch(response, session.protocolVersion)) return;
    if (batch && refuseLongBatch(response, messages.length, gateway.quotas, session.address)) return;
    if (body.request !== undefined) {
      await answerRequest(request, response, session, body.request, body.bytes);
      return;
    }
    const requests = messages.filter(isJsonRpcRequest);
    for (const message of messages) {
      if (!isJsonRpcRequest(message))
        gateway.handleClientMessage(session, message as JsonRpcNotification | JsonRpcResponse);
    }
    if (requests.length === 0) {
      response.writeHead(202).end();
      return;
    }
    // Batches (2025-03-26) are answered as one JSON array; their notifications have no stream.
    const quiet = new QuietStream();
    response.on("close", () => {
      if (quiet.clientGone()) gateway.cancelRequests(quiet, "client disconnected");
    });
    const answers = await Promise.all(
      requests.map(async (message) => ({
        jsonrpc: "2.0",
        id: message.id,
        ...toResponseBody(await gateway.handleRequest(session, message, quiet)),
      })),
    );
    if (!response.destroyed) sendJson(response, 200, answers);
  }

  function handleGet(request: IncomingMessage, response: ServerResponse, scope: SessionScope): void {
    if (!accepts(request, "text/event-stream")) {
      sendRpcError(
        response,
        406,
        GATEWAY_ERROR.invalidRequest,
        "Not Acceptable: GET needs Accept: text/event-stream",
      );
      return;
    }
    const session = findSession(request, response, scope);
    if (session === undefined) return;
    if (session.outbound !== undefined) {
      sendRpcError(
        response,
        409,
        GATEWAY_ERROR.invalidRequest,
        "Conflict: this session already has an open GET stream",
      );
      return;
    }
    if (!hasStreamRoom(session)) {
      refuseStream(response, session);
      return;
    }
    response.writeHead(200, SSE_HEADERS);
    response.flushHeaders();
    boundSessionStream(response, session);
    const outbound = { send: (message: JsonRpcMessage) => writeSseEvent(response, JSON.stringify(message)) };
    session.outbound = outbound;
    const stopKeepAlive = keepAlive(response);
    response.on("close", () => {
      stopKeepAlive();
      if (session.outbound === outbound) session.outbound = undefined;
      session.lastActiveAt = Date.now();
    });
  }

  function handleDelete(request: IncomingMessage, response: ServerResponse, scope: SessionScope): void {
    const session = findSession(request, response, scope);
    if (session === undefined) return;
    gateway.closeSession(session.id, "client deleted the session");
    response.writeHead(200).end();
  }

  return async (request: IncomingMessage, response: ServerResponse, scope: SessionScope): Promise<void> => {
    switch (request.method) {
      case "POST":
        return handlePost(request, response, scope);
      case "GET":
        return handleGet(request, response, scope);
      case "DELETE":
        return handleDelete(request, response, scope);
      default:
        response.setHeader("allow", "GET, POST, DELETE");
        sendRpcError(response, 405, GATEWAY_ERROR.invalidRequest, `Method Not Allowed: ${request.method}`);
        logger.debug({ method: request.method }, "method not allowed on MCP endpoint");
    }
  };
}
