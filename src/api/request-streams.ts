// The `RequestStream`s the HTTP transports hand the gateway with each client request.
//
// They are classes on purpose. V8 builds an object literal with getters in dictionary mode (its own
// property dictionary and accessor pairs, checked with %HasFastProperties), and made once per request
// these kept about a quarter of every request's garbage alive through young-generation collections:
// promoted, then freed only by full collections, with page faults for the fresh old-space pages.
// Measured on the bench (N=1, 32 B, --trace-gc-nvp): 17-25 % of the young generation survived each
// scavenge with the literal, 0 % with a class, and the gateway's CPU per call fell by a third
// (docs/benchmarks.md). The same holds for any object made per message: no getters in literals.

import type { ServerResponse } from "node:http";
import type { JsonRpcMessage, JsonRpcNotification } from "../core/index.js";
import type { RequestStream } from "../gateway/index.js";
import { SSE_HEADERS, writeSseEvent } from "./sse.js";

const CLIENT_GONE = "client disconnected";

/** Whether a POST's answer may become an SSE stream (gateway.quotas.sseStreamsPerSession). */
export interface StreamAdmission {
  /** True, counting the stream in, when the session may open one more; else it answered the refusal. */
  admit(): boolean;
}

/**
 * A Streamable HTTP POST: the answer goes out as JSON, unless a notification or a server request
 * comes first (and the client accepts SSE), which turns the response into an event stream.
 */
export class ResponseStream implements RequestStream {
  readonly #response: ServerResponse;
  readonly #canStream: boolean;
  readonly #admission: StreamAdmission | undefined;
  #aborter: AbortController | undefined;
  #streaming = false;
  #finished = false;
  #closed = false;

  constructor(response: ServerResponse, canStream: boolean, admission?: StreamAdmission) {
    this.#response = response;
    this.#canStream = canStream;
    this.#admission = admission;
  }

  notify(notification: JsonRpcNotification): void {
    if (this.#finished || !this.#canStream || !this.#startStream()) return;
    writeSseEvent(this.#response, JSON.stringify(notification));
  }

  send(message: JsonRpcMessage): boolean {
    if (this.#finished || !this.#canStream || this.#response.destroyed || !this.#startStream()) return false;
    return writeSseEvent(this.#response, JSON.stringify(message));
  }

  /** Made on first use: most requests never wait on anything that takes a signal. */
  get signal(): AbortSignal {
    this.#aborter ??= new AbortController();
    if (this.#closed) this.#aborter.abort(new Error(CLIENT_GONE));
    return this.#aborter.signal;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The answer is ready; true when it must go out as the last event of an SSE stream. */
  finish(): boolean {
    this.#finished = true;
    return this.#streaming;
  }

  /** The response closed; true when that happened before the answer, i.e. the client went away. */
  clientGone(): boolean {
    if (this.#finished) return false;
    this.#closed = true;
    this.#aborter?.abort(new Error(CLIENT_GONE));
    return true;
  }

  /** False when the session may not open another stream: the refusal was answered instead. */
  #startStream(): boolean {
    if (this.#streaming) return true;
    if (this.#admission !== undefined) {
      if (!this.#admission.admit()) {
        this.#finished = true;
        return false;
      }
    }
    this.#streaming = true;
    this.#response.writeHead(200, SSE_HEADERS);
    return true;
  }
}

/** A request with no stream of its own (a batch entry): notifications and server requests are dropped. */
export class QuietStream implements RequestStream {
  readonly #aborter = new AbortController();

  notify(): void {}

  send(): boolean {
    return false;
  }

  get signal(): AbortSignal {
    return this.#aborter.signal;
  }

  get closed(): boolean {
    return this.#aborter.signal.aborted;
  }

  /** The response closed; true the first time (the requests still running must be cancelled). */
  clientGone(): boolean {
    if (this.#aborter.signal.aborted) return false;
    this.#aborter.abort(new Error(CLIENT_GONE));
    return true;
  }
}

/** A legacy SSE session: every request's messages go on the session's one event stream. */
export class LegacyRequestStream implements RequestStream {
  readonly #response: ServerResponse;
  readonly #aborter: AbortController;

  constructor(response: ServerResponse, aborter: AbortController) {
    this.#response = response;
    this.#aborter = aborter;
  }

  notify(notification: JsonRpcNotification): void {
    writeSseEvent(this.#response, JSON.stringify(notification));
  }

  send(message: JsonRpcMessage): boolean {
    return writeSseEvent(this.#response, JSON.stringify(message));
  }

  get signal(): AbortSignal {
    return this.#aborter.signal;
  }

  get closed(): boolean {
    return this.#aborter.signal.aborted;
  }
}
