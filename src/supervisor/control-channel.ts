// The supervisor's own JSON-RPC requests to a server (initialize, ping), in an id space of their
// own ("corral:N") so they never collide with requests the gateway forwards on the same pipe.

import { abortReason, CorralError, type JsonRpcId, type JsonRpcResponse } from "../core/index.js";

export const CONTROL_ID_PREFIX = "corral:";

interface Pending {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** Removes the abort listener: signals outlive requests (one per run, pinged every interval). */
  readonly release: (() => void) | undefined;
}

export interface RequestOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export class ControlChannel {
  readonly #writeLine: (line: string) => boolean;
  readonly #server: string;
  readonly #pending = new Map<string, Pending>();
  #nextId = 1;
  #closedReason: string | undefined;

  constructor(server: string, writeLine: (line: string) => boolean) {
    this.#server = server;
    this.#writeLine = writeLine;
  }

  static isControlId(id: JsonRpcId | null | undefined): id is string {
    return typeof id === "string" && id.startsWith(CONTROL_ID_PREFIX);
  }

  request(method: string, params: unknown, options: RequestOptions): Promise<unknown> {
    if (this.#closedReason !== undefined) {
      return Promise.reject(
        new CorralError("CONNECTION_CLOSED", this.#closedReason, { server: this.#server }),
      );
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const id = `${CONTROL_ID_PREFIX}${this.#nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const message = `${method} to server "${this.#server}" unanswered after ${options.timeoutMs}ms`;
        this.#settle(id, undefined, new CorralError("REQUEST_TIMEOUT", message, { server: this.#server }));
      }, options.timeoutMs);
      let release: (() => void) | undefined;
      if (signal !== undefined) {
        const onAbort = () => this.#settle(id, undefined, abortReason(signal));
        signal.addEventListener("abort", onAbort, { once: true });
        release = () => signal.removeEventListener("abort", onAbort);
      }
      this.#pending.set(id, { resolve, reject, timer, release });
      this.#writeLine(
        JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) }),
      );
    });
  }

  /** Requests awaiting an answer; for tests and ops (it must not grow with pings). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  notify(method: string, params?: unknown): void {
    this.#writeLine(JSON.stringify({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) }));
  }

  /** Settles the request a control response answers. */
  handleResponse(message: JsonRpcResponse): void {
    if (message.error !== undefined) {
      const error = new CorralError(
        "HANDSHAKE_FAILED",
        `server "${this.#server}" answered with error ${message.error.code}: ${message.error.message}`,
        { server: this.#server },
      );
      this.#settle(String(message.id), undefined, error);
    } else {
      this.#settle(String(message.id), message.result, undefined);
    }
  }

  /** Rejects everything pending and every later request. */
  close(reason: string): void {
    this.#closedReason = reason;
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id, undefined, new CorralError("CONNECTION_CLOSED", reason, { server: this.#server }));
    }
  }

  #settle(id: string, result: unknown, error: unknown): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.release?.();
    if (error === undefined) pending.resolve(result);
    else pending.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
