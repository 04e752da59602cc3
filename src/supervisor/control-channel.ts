// The supervisor's own JSON-RPC requests to a server (initialize, ping), in an id space of their
// own ("corral:N") so they never collide with requests the gateway forwards on the same pipe.

import { CorralError, type JsonRpcId, type JsonRpcResponse } from "../core/index.js";

export const CONTROL_ID_PREFIX = "corral:";

interface Pending {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
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
    const id = `${CONTROL_ID_PREFIX}${this.#nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new CorralError(
            "REQUEST_TIMEOUT",
            `${method} to server "${this.#server}" unanswered after ${options.timeoutMs}ms`,
            {
              server: this.#server,
            },
          ),
        );
      }, options.timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      options.signal?.addEventListener("abort", () => this.#settle(id, undefined, options.signal?.reason), {
        once: true,
      });
      this.#writeLine(
        JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) }),
      );
    });
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
    if (error === undefined) pending.resolve(result);
    else pending.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
