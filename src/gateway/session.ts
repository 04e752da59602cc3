// One client session: what the client negotiated, what it subscribed to, its standalone stream for
// server-initiated messages, and the server→client requests waiting for its answers.

import { randomBytes } from "node:crypto";
import type { JsonRpcId, JsonRpcMessage, JsonRpcResponse } from "../core/index.js";
import type { ResponseBody } from "../upstream/index.js";
import { GATEWAY_ERROR, gatewayError } from "../upstream/index.js";
import type { LogLevel } from "./protocol.js";

export type SessionScope = { readonly kind: "all" } | { readonly kind: "server"; readonly server: string };

/** Where messages go when they belong to no request: the GET stream, or a legacy SSE stream. */
export interface Outbound {
  send(message: JsonRpcMessage): boolean;
}

export interface SessionInit {
  readonly scope: SessionScope;
  readonly protocolVersion: string;
  readonly clientCapabilities: Readonly<Record<string, unknown>>;
  readonly clientInfo: unknown;
  /** The client's network address, for per-address quotas and logs. */
  readonly address: string;
  /** Called when the client's stream closes with none in its place. */
  readonly onDetached?: () => void;
}

/** 128 bits of randomness, URL-safe: the spec asks for a cryptographically secure, unguessable id. */
export function createSessionId(): string {
  return randomBytes(16).toString("base64url");
}

const CLIENT_CAPABILITY_OF: Readonly<Record<string, string>> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

/**
 * What a session keeps of the client's capabilities: whether it declared those Corral routes to it,
 * nothing of their contents. The rest of an initialize is not kept (docs/security.md#quotas).
 */
function keepCapabilities(
  capabilities: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  const kept: Record<string, unknown> = {};
  for (const name of Object.values(CLIENT_CAPABILITY_OF)) {
    if (capabilities[name] !== undefined) kept[name] = {};
  }
  return kept;
}

export class ClientSession {
  readonly id = createSessionId();
  readonly scope: SessionScope;
  readonly protocolVersion: string;
  readonly clientCapabilities: Readonly<Record<string, unknown>>;
  readonly clientInfo: unknown;
  readonly address: string;
  /** Resource URIs the session subscribed to and a server accepted. */
  readonly subscriptions = new Set<string>();
  /** Subscribes sent on and not answered yet: they count against the quota until then. */
  pendingSubscribes = 0;
  /** Requests of this session in flight (gateway.quotas.inFlightPerSession). */
  inFlight = 0;
  /** SSE streams open (gateway.quotas.sseStreamsPerSession). */
  sseStreams = 0;
  readonly createdAt = Date.now();
  logLevel: LogLevel | undefined;
  /**
   * Since when the client's stream is closed with none in its place (epoch ms): how the MCP SDK's
   * `Client.close()`, which sends no DELETE, looks from here. Undefined while a stream is open, and
   * for sessions that never opened one.
   */
  detachedSince: number | undefined;
  #outbound: Outbound | undefined;
  readonly #outboundWaiters = new Set<() => void>();
  lastActiveAt = Date.now();
  closed = false;
  readonly #pending = new Map<JsonRpcId, (body: ResponseBody) => void>();
  #nextRequestId = 1;
  readonly #onDetached: (() => void) | undefined;

  constructor(init: SessionInit) {
    this.#onDetached = init.onDetached;
    this.scope = init.scope;
    this.protocolVersion = init.protocolVersion;
    this.clientCapabilities = keepCapabilities(init.clientCapabilities);
    this.clientInfo = init.clientInfo;
    this.address = init.address;
  }

  get outbound(): Outbound | undefined {
    return this.#outbound;
  }

  set outbound(outbound: Outbound | undefined) {
    const detached = outbound === undefined && this.#outbound !== undefined;
    if (detached) this.detachedSince = Date.now();
    else if (outbound !== undefined) this.detachedSince = undefined;
    this.#outbound = outbound;
    if (detached) this.#onDetached?.();
    if (outbound !== undefined) for (const waiter of [...this.#outboundWaiters]) waiter();
  }

  /**
   * The standalone stream, waiting up to `timeoutMs` for the client to open it: a per-session
   * server asks (roots/list) at its `initialized`, before the client's own initialize is answered.
   */
  waitForOutbound(timeoutMs: number, signal?: AbortSignal): Promise<Outbound | undefined> {
    if (this.#outbound !== undefined || this.closed || signal?.aborted)
      return Promise.resolve(this.#outbound);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#outboundWaiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve(this.#outbound);
      };
      const timer = setTimeout(done, timeoutMs);
      this.#outboundWaiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** True when the client declared the capability a server→client method needs. */
  supports(method: string): boolean {
    const capability = CLIENT_CAPABILITY_OF[method];
    return capability === undefined || this.clientCapabilities[capability] !== undefined;
  }

  /** Sends a server→client request through `send` and resolves with the client's answer. */
  ask(
    method: string,
    params: unknown,
    send: (message: JsonRpcMessage) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<ResponseBody> {
    if (!this.supports(method)) {
      return Promise.resolve({
        error: gatewayError(
          GATEWAY_ERROR.unroutable,
          `the client did not declare the capability ${method} needs`,
          {
            reason: "capability",
          },
        ),
      });
    }
    const id = `corral-s${this.#nextRequestId++}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({
          error: gatewayError(GATEWAY_ERROR.requestTimeout, `the client did not answer ${method} in time`),
        });
      }, timeoutMs);
      const onAbort = () => {
        // The server withdrew its request: tell the client under the id it knows.
        if (this.#pending.delete(id)) {
          clearTimeout(timer);
          send({
            jsonrpc: "2.0",
            method: "notifications/cancelled",
            params: { requestId: id, reason: "cancelled by the server" },
          });
          resolve({ error: gatewayError(GATEWAY_ERROR.cancelled, `${method} was cancelled by the server`) });
        }
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, (body) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(body);
      });
      if (!send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) })) {
        this.#pending.delete(id);
        clearTimeout(timer);
        resolve({
          error: gatewayError(GATEWAY_ERROR.unroutable, `no open stream to the client for ${method}`),
        });
      }
    });
  }

  /** Delivers a client's response to a server→client request; false when nothing waits for it. */
  answer(response: JsonRpcResponse): boolean {
    const resolve = response.id === null ? undefined : this.#pending.get(response.id);
    if (resolve === undefined) return false;
    this.#pending.delete(response.id as JsonRpcId);
    resolve(response.error === undefined ? { result: response.result } : { error: response.error });
    return true;
  }

  close(): void {
    this.closed = true;
    this.outbound = undefined;
    for (const waiter of [...this.#outboundWaiters]) waiter();
    for (const [id, resolve] of this.#pending) {
      this.#pending.delete(id);
      resolve({ error: gatewayError(GATEWAY_ERROR.cancelled, "the client session ended") });
    }
  }
}
