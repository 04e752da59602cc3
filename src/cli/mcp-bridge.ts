// The client side of Streamable HTTP for `corral connect`: each message from the stdio client is
// POSTed to the gateway, every message that comes back (JSON or SSE) goes to the client, and the
// session's GET stream carries what the servers send on their own. If the gateway forgets the
// session (it restarted), the client's own initialize is replayed once so the client never notices.

import type { JsonRpcMessage, JsonRpcRequest } from "../core/index.js";
import { isJsonRpcRequest } from "../core/index.js";
import { GATEWAY_ERROR } from "../upstream/index.js";
import { readSseEvents } from "./sse-reader.js";

const SESSION_HEADER = "mcp-session-id";
const VERSION_HEADER = "mcp-protocol-version";
/** How long the answer to initialize may wait for the GET stream to open. */
const LISTEN_WAIT_MS = 2_000;

export interface BridgeOptions {
  /** The full URL of the MCP endpoint: `…/mcp` or `…/servers/<name>/mcp`. */
  readonly endpoint: string;
  /** One message (or batch) to the stdio client. */
  write(message: unknown): void;
  /** A line for the operator (stderr). */
  log(text: string): void;
}

interface PostOptions {
  /** Hand answers to the client (false while replaying initialize after the gateway forgot us). */
  readonly deliver: boolean;
  /** May re-initialize and retry once when the gateway answers 404 for our session. */
  readonly retry: boolean;
}

function errorAnswer(id: unknown, code: number, message: string): JsonRpcMessage {
  return { jsonrpc: "2.0", id: id as JsonRpcRequest["id"], error: { code, message } };
}

export class StreamableBridge {
  readonly #options: BridgeOptions;
  /** Aborts every request and the GET stream: the bridge is shutting down. */
  readonly #stopping = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  #sessionId: string | undefined;
  #protocolVersion: string | undefined;
  #initialize: JsonRpcRequest | undefined;
  #initializing: Promise<void> | undefined;
  #recovering: Promise<void> | undefined;
  #listening: AbortController | undefined;
  #replays = 0;

  constructor(options: BridgeOptions) {
    this.#options = options;
  }

  /** Forwards one message (or batch) from the client; answers arrive through `write`. */
  send(message: unknown): void {
    if (isJsonRpcRequest(message) && message.method === "initialize") {
      this.#initialize = message;
      this.#initializing = this.#track(this.#post(message, { deliver: true, retry: false }));
      return;
    }
    const waitFor = this.#initializing;
    this.#track(
      (async () => {
        await waitFor;
        await this.#post(message, { deliver: true, retry: true });
      })(),
    );
  }

  /** Waits up to `graceMs` for answers in flight, then stops listening and deletes the session. */
  async close(graceMs: number): Promise<void> {
    if (this.#inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#inFlight]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.#stopping.abort();
    this.#listening?.abort();
    const sessionId = this.#sessionId;
    this.#sessionId = undefined;
    if (sessionId === undefined) return;
    try {
      await fetch(this.#options.endpoint, {
        method: "DELETE",
        headers: this.#headers(sessionId),
        signal: AbortSignal.timeout(2_000),
      });
    } catch (error) {
      this.#options.log(`could not end the gateway session: ${describe(error)}`);
    }
  }

  #track(task: Promise<void>): Promise<void> {
    const tracked = task.catch((error: unknown) => {
      if (!this.#stopping.signal.aborted) this.#options.log(`message failed: ${describe(error)}`);
    });
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
    return tracked;
  }

  #headers(sessionId: string | undefined): Record<string, string> {
    return {
      ...(sessionId === undefined ? {} : { [SESSION_HEADER]: sessionId }),
      ...(this.#protocolVersion === undefined ? {} : { [VERSION_HEADER]: this.#protocolVersion }),
    };
  }

  async #post(message: unknown, options: PostOptions): Promise<void> {
    const request = isJsonRpcRequest(message) ? message : undefined;
    const isInitialize = request?.method === "initialize";
    const sessionId = isInitialize ? undefined : this.#sessionId;
    const fail = (code: number, text: string) => {
      this.#options.log(text);
      if (request !== undefined && options.deliver) this.#options.write(errorAnswer(request.id, code, text));
    };
    let response: Response;
    try {
      response = await fetch(this.#options.endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...this.#headers(sessionId),
        },
        body: JSON.stringify(message),
        signal: this.#stopping.signal,
      });
    } catch (error) {
      if (this.#stopping.signal.aborted) return;
      fail(
        GATEWAY_ERROR.serverUnavailable,
        `no corral gateway answered at ${new URL(this.#options.endpoint).origin} (${describe(error)}); is corral up running?`,
      );
      return;
    }
    if (response.status === 404 && sessionId !== undefined && options.retry && !isInitialize) {
      await response.body?.cancel();
      await (this.#sessionId === sessionId ? this.#recover() : this.#recovering);
      return this.#post(message, { ...options, retry: false });
    }
    if (isInitialize && response.ok) {
      this.#sessionId = response.headers.get(SESSION_HEADER) ?? undefined;
    }
    if (response.status === 202) {
      await response.body?.cancel();
      return;
    }
    const type = response.headers.get("content-type") ?? "";
    if (!response.ok) {
      const body = (await response.json().catch(() => undefined)) as
        | { error?: { code?: unknown; message?: unknown } }
        | undefined;
      const code = typeof body?.error?.code === "number" ? body.error.code : GATEWAY_ERROR.internal;
      const text = typeof body?.error?.message === "string" ? body.error.message : `HTTP ${response.status}`;
      fail(code, `the gateway refused ${request?.method ?? "a message"}: ${text}`);
      return;
    }
    const deliver = async (answer: unknown) => {
      if (isInitialize) await this.#onInitialized(answer);
      if (options.deliver) this.#options.write(answer);
    };
    if (type.includes("text/event-stream") && response.body !== null) {
      for await (const event of readSseEvents(response.body)) {
        if (event.event === "message") await deliver(JSON.parse(event.data));
      }
    } else if (type.includes("application/json")) {
      const body: unknown = await response.json();
      for (const answer of Array.isArray(body) ? body : [body]) await deliver(answer);
    } else {
      await response.body?.cancel();
    }
  }

  /**
   * Opens the GET stream before the client hears that initialize succeeded: the client sends nothing
   * before that, so nothing the servers send on their own afterwards can miss the stream.
   */
  async #onInitialized(answer: unknown): Promise<void> {
    const version = (answer as { result?: { protocolVersion?: unknown } }).result?.protocolVersion;
    if (typeof version !== "string" || this.#sessionId === undefined) return;
    this.#protocolVersion = version;
    let opened: () => void = () => {};
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    void this.#listen(this.#sessionId, opened);
    const timer = setTimeout(opened, LISTEN_WAIT_MS);
    await open;
    clearTimeout(timer);
  }

  /** Replays the client's initialize after the gateway lost the session; one replay at a time. */
  #recover(): Promise<void> {
    this.#recovering ??= (async () => {
      const initialize = this.#initialize;
      this.#listening?.abort();
      this.#sessionId = undefined;
      if (initialize === undefined) return;
      this.#options.log("the gateway no longer knows this session; initializing again");
      const replay = { ...initialize, id: `corral-connect-replay-${++this.#replays}` };
      await this.#post(replay, { deliver: false, retry: false });
      await this.#post(
        { jsonrpc: "2.0", method: "notifications/initialized" },
        { deliver: false, retry: false },
      );
    })().finally(() => {
      this.#recovering = undefined;
    });
    return this.#recovering;
  }

  /** Keeps the session's GET stream open, reconnecting with a growing delay while the session lasts. */
  async #listen(sessionId: string, opened: () => void): Promise<void> {
    this.#listening?.abort();
    const listening = new AbortController();
    this.#listening = listening;
    const signal = AbortSignal.any([listening.signal, this.#stopping.signal]);
    let failures = 0;
    while (!signal.aborted && this.#sessionId === sessionId) {
      try {
        const response = await fetch(this.#options.endpoint, {
          method: "GET",
          headers: { accept: "text/event-stream", ...this.#headers(sessionId) },
          signal,
        });
        opened();
        // 405: the endpoint offers no stream; 404: the session is gone and the next POST recovers it.
        if (response.status === 405 || response.status === 404) {
          await response.body?.cancel();
          return;
        }
        if (!response.ok || response.body === null) {
          failures++;
          this.#options.log(`the gateway refused the event stream: HTTP ${response.status}`);
          await response.body?.cancel();
        } else {
          failures = 0;
          for await (const event of readSseEvents(response.body)) {
            if (event.event === "message") this.#options.write(JSON.parse(event.data));
          }
        }
      } catch (error) {
        opened();
        if (signal.aborted) return;
        failures++;
        this.#options.log(`the event stream broke: ${describe(error)}`);
      }
      await sleep(Math.min(500 * 2 ** failures, 30_000), signal);
    }
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return String(cause ?? error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
