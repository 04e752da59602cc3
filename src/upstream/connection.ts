// One connection to one upstream instance, shared by many client sessions: every forwarded request
// gets a fresh upstream id (and progress token), recorded in the in-flight table with who asked, so
// answers and progress go back to exactly that client with its own ids restored.

import type {
  JsonRpcErrorObject,
  JsonRpcId,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
} from "../core/index.js";
import {
  isJsonRpcNotification,
  isJsonRpcRequest,
  isJsonRpcResponse,
  type RequestBytes,
  type ResponseLine,
  spliceRequestId,
  spliceResponseId,
} from "../core/index.js";
import { attributeLog, attributeServerRequest } from "./attribution.js";
import type { UpstreamChannel } from "./channel.js";
import { fenceUpstreamError, GATEWAY_ERROR, gatewayError } from "./errors.js";

/** What a forwarded request resolves to: exactly one of result / error, as on the wire. */
export type ResponseBody = { readonly result: unknown } | { readonly error: JsonRpcErrorObject };

/** What `relay` resolves to: a plain answer stays the server's own line, to be passed through. */
export type Answer = ResponseBody | ResponseLine;

export interface ServerRequestRoute {
  /** Sends a server→client request to the client and resolves with its answer. */
  (method: string, params: unknown, signal: AbortSignal): Promise<ResponseBody>;
}

export interface ForwardContext {
  readonly sessionId: string;
  /** The client's own id for the request, for matching its notifications/cancelled. */
  readonly originalId?: JsonRpcId;
  readonly timeoutMs: number;
  /** Notifications that belong to this request (progress, and logs while it is the only one in flight). */
  readonly onNotification: (notification: JsonRpcNotification) => void;
  /** How to ask this request's client something (sampling, elicitation, roots). */
  readonly askClient?: ServerRequestRoute;
  /** Aborted when the client goes away: the upstream gets notifications/cancelled. */
  readonly signal?: AbortSignal;
  /**
   * The client request this forward serves, for `cancelOrigin` when its client goes away: cheaper
   * per message than an AbortSignal and its listener.
   */
  readonly origin?: object;
  /**
   * The client's request as it came (see `findRequestBytes`), when the params forwarded are exactly
   * its own: it then goes to the server with only the id replaced, never re-serialised.
   */
  readonly encoded?: RequestBytes | undefined;
}

export interface ConnectionEvents {
  /** Notifications not tied to one request: list_changed, resources/updated, logs with no single owner. */
  onNotification(notification: JsonRpcNotification): void;
  /** A server→client request with no single in-flight owner; for per-session instances, the owner. */
  onUnownedServerRequest?(request: JsonRpcRequest, signal: AbortSignal): Promise<ResponseBody>;
}

interface InFlight {
  readonly context: ForwardContext;
  readonly originalProgressToken: unknown;
  readonly resolve: (answer: Answer) => void;
  readonly deadline: number;
  readonly method: string;
  /** False: the caller reads the result, so a response line is parsed before it resolves. */
  readonly passThrough: boolean;
  readonly removeAbort: (() => void) | undefined;
}

const PROGRESS_PREFIX = "corral-p";

/** The parsed form of an answer, for callers that read the result. */
export function toResponseBody(answer: Answer): ResponseBody {
  if (!("line" in answer)) return answer;
  const message = JSON.parse(answer.line.toString("utf8")) as {
    result?: unknown;
    error?: JsonRpcErrorObject;
  };
  return message.error === undefined ? { result: message.result } : { error: message.error };
}

/** The whole JSON-RPC response for the client, under the client's own id (see `spliceResponseId`). */
export function encodeAnswer(id: JsonRpcId, answer: Answer): string | readonly Buffer[] {
  if ("line" in answer) return spliceResponseId(answer, id);
  return JSON.stringify({ jsonrpc: "2.0", id, ...answer });
}

export class UpstreamConnection {
  readonly server: string;
  readonly #channel: UpstreamChannel;
  readonly #events: ConnectionEvents;
  readonly #inFlight = new Map<number, InFlight>();
  /** Upstream progress token → upstream request id. */
  readonly #progress = new Map<string, number>();
  readonly #unsubscribeEnd: () => void;
  /** Server→client requests being answered, by the server's id, so the server can withdraw them. */
  readonly #serverRequests = new Map<JsonRpcId, AbortController>();
  #nextId = 1;
  /** One timer for every deadline, armed for the earliest: a timer per request costs more than it does. */
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweepAt = Number.POSITIVE_INFINITY;

  constructor(server: string, channel: UpstreamChannel, events: ConnectionEvents) {
    this.server = server;
    this.#channel = channel;
    this.#events = events;
    channel.setReceiver(
      (message) => this.#receive(message),
      (response) => this.#receiveResponseLine(response),
    );
    this.#unsubscribeEnd = channel.onEnd((reason) =>
      this.failAll(GATEWAY_ERROR.serverExited, `server "${server}" ${reason}`, { reason }),
    );
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Distinct client sessions with a request waiting on this instance. */
  sessionsInFlight(): Set<string> {
    const sessions = new Set<string>();
    for (const entry of this.#inFlight.values()) sessions.add(entry.context.sessionId);
    return sessions;
  }

  /** Forwards a request; never rejects: failures come back as JSON-RPC errors naming the server. */
  forward(method: string, params: unknown, context: ForwardContext): Promise<ResponseBody> {
    return this.#forward(method, params, context, false) as Promise<ResponseBody>;
  }

  /** Like `forward`, for a caller that passes the answer on unread (see `encodeAnswer`). */
  relay(method: string, params: unknown, context: ForwardContext): Promise<Answer> {
    return this.#forward(method, params, context, true);
  }

  #forward(method: string, params: unknown, context: ForwardContext, passThrough: boolean): Promise<Answer> {
    const id = this.#nextId++;
    let outgoing = params;
    let originalProgressToken: unknown;
    const meta = (params as { _meta?: { progressToken?: unknown } } | undefined)?._meta;
    if (meta?.progressToken !== undefined) {
      originalProgressToken = meta.progressToken;
      const token = `${PROGRESS_PREFIX}${id}`;
      this.#progress.set(token, id);
      outgoing = { ...(params as object), _meta: { ...meta, progressToken: token } };
    }
    return new Promise<Answer>((resolve) => {
      let removeAbort: (() => void) | undefined;
      const signal = context.signal;
      if (signal !== undefined) {
        const onAbort = () => this.#cancelOne(id, "client disconnected");
        signal.addEventListener("abort", onAbort, { once: true });
        removeAbort = () => signal.removeEventListener("abort", onAbort);
      }
      const deadline = Date.now() + context.timeoutMs;
      this.#inFlight.set(id, {
        context,
        originalProgressToken,
        resolve,
        deadline,
        method,
        passThrough,
        removeAbort,
      });
      this.#armSweep(deadline);
      if (this.#inFlight.size === 1) this.#sweepTimer?.ref();
      // A remapped progress token changes the params: then only the parsed request says it right.
      const sent =
        context.encoded !== undefined && outgoing === params
          ? this.#channel.sendLine(spliceRequestId(context.encoded, id))
          : this.#channel.send({
              jsonrpc: "2.0",
              id,
              method,
              ...(outgoing === undefined ? {} : { params: outgoing }),
            });
      if (!sent) {
        this.#settle(id, {
          error: gatewayError(
            GATEWAY_ERROR.serverUnavailable,
            `server "${this.server}" has no running process`,
            {
              server: this.server,
            },
          ),
        });
      } else if (signal?.aborted) {
        this.#settle(id, {
          error: gatewayError(GATEWAY_ERROR.cancelled, "cancelled by the client", { server: this.server }),
        });
      }
    });
  }

  /** Cancels what was forwarded for one client request (`ForwardContext.origin`): its client went away. */
  cancelOrigin(origin: object, reason: string): void {
    for (const [id, entry] of this.#inFlight) {
      if (entry.context.origin === origin) this.#cancelOne(id, reason);
    }
  }

  #cancelOne(id: number, reason: string): void {
    if (!this.#inFlight.has(id)) return;
    this.#settle(id, {
      error: gatewayError(
        GATEWAY_ERROR.cancelled,
        `request to server "${this.server}" cancelled by the client`,
        {
          server: this.server,
        },
      ),
    });
    this.#channel.send({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: id, reason },
    });
  }

  #armSweep(deadline: number): void {
    if (this.#sweepTimer !== undefined && this.#sweepAt <= deadline) return;
    clearTimeout(this.#sweepTimer);
    this.#sweepAt = deadline;
    // It holds the process open only while something waits: #settle unrefs it when nothing does.
    this.#sweepTimer = setTimeout(() => this.#sweep(), Math.max(0, deadline - Date.now()));
  }

  #sweep(): void {
    this.#sweepTimer = undefined;
    this.#sweepAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, entry] of this.#inFlight) {
      if (entry.deadline <= now) this.#timeOut(id, entry);
      else if (entry.deadline < next) next = entry.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#armSweep(next);
  }

  #timeOut(id: number, entry: InFlight): void {
    this.#settle(id, {
      error: gatewayError(
        GATEWAY_ERROR.requestTimeout,
        `server "${this.server}" did not answer ${entry.method} within ${entry.context.timeoutMs}ms`,
        { server: this.server, reason: "timeout" },
      ),
    });
    this.#channel.send({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: id, reason: "timeout" },
    });
  }

  /** Passes a client's cancellation on, translated to the upstream id. */
  cancel(sessionId: string, originalId: JsonRpcId, reason?: string): void {
    for (const [id, entry] of this.#inFlight) {
      if (entry.context.sessionId === sessionId && entry.context.originalId === originalId) {
        this.#channel.send({
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId: id, ...(reason === undefined ? {} : { reason }) },
        });
        this.#settle(id, {
          error: gatewayError(GATEWAY_ERROR.cancelled, "cancelled by the client", { server: this.server }),
        });
        return;
      }
    }
  }

  /** Cancels everything a session still waits for (it ended or disconnected). */
  cancelSession(sessionId: string, reason: string): void {
    for (const [id, entry] of this.#inFlight) {
      if (entry.context.sessionId !== sessionId) continue;
      this.#channel.send({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: id, reason },
      });
      this.#settle(id, { error: gatewayError(GATEWAY_ERROR.cancelled, reason, { server: this.server }) });
    }
  }

  notify(method: string, params?: unknown): void {
    this.#channel.send({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) });
  }

  /** Answers every waiting request with an error (the process ended, or the gateway is closing). */
  failAll(code: number, message: string, data: Record<string, unknown> = {}): void {
    for (const id of [...this.#inFlight.keys()]) {
      this.#settle(id, { error: gatewayError(code, message, { server: this.server, ...data }) });
    }
  }

  close(reason: string): void {
    this.#unsubscribeEnd();
    this.failAll(GATEWAY_ERROR.serverUnavailable, `server "${this.server}" connection closed: ${reason}`);
    clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  #settle(id: number, answer: Answer): void {
    const entry = this.#inFlight.get(id);
    if (entry === undefined) return;
    this.#inFlight.delete(id);
    if (this.#inFlight.size === 0) this.#sweepTimer?.unref();
    entry.removeAbort?.();
    if (entry.originalProgressToken !== undefined) this.#progress.delete(`${PROGRESS_PREFIX}${id}`);
    entry.resolve(answer);
  }

  #receiveResponseLine(response: ResponseLine): void {
    const entry = this.#inFlight.get(response.id);
    if (entry === undefined) return;
    if (entry.passThrough) {
      this.#settle(response.id, response);
      return;
    }
    let body: ResponseBody;
    try {
      body = toResponseBody(response);
    } catch {
      return; // not JSON after all: dropped like any garbage line, and the request times out
    }
    this.#settle(response.id, body);
  }

  #receive(message: JsonRpcMessage): void {
    if (isJsonRpcResponse(message)) {
      if (typeof message.id !== "number") return;
      this.#settle(
        message.id,
        message.error === undefined
          ? { result: message.result }
          : { error: fenceUpstreamError(this.server, message.error) },
      );
    } else if (isJsonRpcRequest(message)) {
      void this.#answerServerRequest(message);
    } else if (isJsonRpcNotification(message)) {
      this.#routeNotification(message);
    }
  }

  #routeNotification(notification: JsonRpcNotification): void {
    if (notification.method === "notifications/progress") {
      const params = notification.params as { progressToken?: unknown } | undefined;
      const id =
        typeof params?.progressToken === "string" ? this.#progress.get(params.progressToken) : undefined;
      const entry = id === undefined ? undefined : this.#inFlight.get(id);
      if (entry === undefined) return; // progress for a request already answered: nobody to tell
      entry.context.onNotification({
        ...notification,
        params: { ...params, progressToken: entry.originalProgressToken },
      });
      return;
    }
    if (notification.method === "notifications/cancelled") {
      // The server withdraws a request it sent to a client: the client hears it under its own id.
      const requestId = (notification.params as { requestId?: JsonRpcId } | undefined)?.requestId;
      if (requestId !== undefined) this.#serverRequests.get(requestId)?.abort();
      return;
    }
    if (notification.method === "notifications/message") {
      const owner = attributeLog(this.#inFlight.values(), this.#events.onUnownedServerRequest !== undefined);
      if (owner === "unattributable") return;
      if (owner !== "instance") {
        owner.onNotification(notification);
        return;
      }
    }
    this.#events.onNotification(notification);
  }

  async #answerServerRequest(request: JsonRpcRequest): Promise<void> {
    const aborter = new AbortController();
    this.#serverRequests.set(request.id, aborter);
    try {
      const body = await this.#routeServerRequest(request, aborter.signal);
      // A request the server withdrew gets no answer.
      if (!aborter.signal.aborted) this.#channel.send({ jsonrpc: "2.0", id: request.id, ...body });
    } finally {
      this.#serverRequests.delete(request.id);
    }
  }

  #routeServerRequest(request: JsonRpcRequest, signal: AbortSignal): Promise<ResponseBody> {
    const route = attributeServerRequest(
      this.#inFlight.values(),
      this.#events.onUnownedServerRequest !== undefined,
    );
    if (typeof route === "function") return route(request.method, request.params, signal);
    if (route === "owner" && this.#events.onUnownedServerRequest !== undefined)
      return this.#events.onUnownedServerRequest(request, signal);
    return Promise.resolve({
      error: gatewayError(
        GATEWAY_ERROR.unroutable,
        `corral refused ${request.method} from server "${this.server}": ${route}, so it cannot be attributed to exactly one client session; set mode: per-session for this server (docs/gateway.md)`,
        { server: this.server, reason: "unattributable" },
      ),
    });
  }
}
