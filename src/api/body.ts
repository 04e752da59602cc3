// Reads a request body with a hard limit, so no client can make the gateway buffer without bound.
// A body over the limit is read on and thrown away (bounded in bytes and time) before the 413 goes
// out: answering while the client still writes and then closing makes its kernel reset the socket,
// and the client sees EPIPE or ECONNRESET instead of the 413.

import type { IncomingMessage, ServerResponse } from "node:http";

export type BodyResult =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly reason: "too-large" | "aborted" };

/** Bytes of a refused body read and discarded at most, as a multiple of the limit (with a floor). */
const DISCARD_FACTOR = 4;
const DISCARD_FLOOR_BYTES = 1024 * 1024;
/** How long a refused body may take to arrive in full, so a slow client cannot hold the socket. */
const DISCARD_DEADLINE_MS = 5_000;

/** How many bytes of a refused body are read and discarded before the connection is closed instead. */
function discardLimit(maxBytes: number): number {
  return Math.max(DISCARD_FACTOR * maxBytes, DISCARD_FLOOR_BYTES);
}

/**
 * Reads the body up to `maxBytes`. Over the limit, the rest is read and discarded up to
 * `discardLimit(maxBytes)` bytes in all and `DISCARD_DEADLINE_MS`, then the result says too-large;
 * when the body did not end within those bounds, `response` gets `Connection: close`, so the answer
 * the caller writes is the connection's last.
 */
export function readBody(
  request: IncomingMessage,
  response: ServerResponse,
  maxBytes: number,
): Promise<BodyResult> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return discardBody(request, response, maxBytes).then(() => ({ ok: false, reason: "too-large" }));
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // From here the end or failure of the body is discardBody's to see, not ours.
      done = true;
      chunks.length = 0;
      request.off("data", onData);
      void discardBody(request, response, maxBytes, size).then(() =>
        resolve({ ok: false, reason: "too-large" }),
      );
    };
    request.on("data", onData);
    request.on("end", () =>
      finish({ ok: true, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) }),
    );
    request.on("error", () => finish({ ok: false, reason: "aborted" }));
    request.on("aborted", () => finish({ ok: false, reason: "aborted" }));
  });
}

/**
 * Reads and drops the rest of a body that will not be used (`seen` bytes of it already read). Resolves
 * when it ended, or when it passed `discardLimit(maxBytes)` or the deadline; then `response` is marked
 * `Connection: close` and reading stops, so the socket closes once the answer is out.
 */
export function discardBody(
  request: IncomingMessage,
  response: ServerResponse,
  maxBytes: number,
  seen = 0,
): Promise<void> {
  const limit = discardLimit(maxBytes);
  if (request.complete) return Promise.resolve();
  const declared = Number(request.headers["content-length"]);
  return new Promise((resolve) => {
    let size = seen;
    let timer: NodeJS.Timeout | undefined;
    const stop = (ended: boolean) => {
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onClose);
      request.off("close", onClose);
      if (!ended) {
        request.pause();
        response.setHeader("connection", "close");
      }
      resolve();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) stop(false);
    };
    const onEnd = () => stop(true);
    const onClose = () => stop(false);
    timer = setTimeout(() => stop(false), DISCARD_DEADLINE_MS);
    // A declared length past the bound is not worth reading: the answer goes out at once.
    if (size > limit || (Number.isFinite(declared) && declared > limit)) {
      stop(false);
      return;
    }
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onClose);
    request.on("close", onClose);
    request.resume();
  });
}
