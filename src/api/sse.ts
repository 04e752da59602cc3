// Server-Sent Events framing for MCP messages, a keep-alive comment so proxies keep idle streams
// open, and the bound on what waits for a client that does not read (gateway.quotas.streamBuffer).

import type { ServerResponse } from "node:http";

export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
} as const;

interface StreamBound {
  readonly bytes: number;
  readonly onOverflow: (queued: number) => void;
}

const bounds = new WeakMap<ServerResponse, StreamBound>();

/**
 * Bounds what may queue on `response` for a client that stops reading: once `write` returned false,
 * further events queue in node's buffer up to `bytes`; beyond that the stream is ended (destroyed:
 * nothing more can reach that client anyway), after `onOverflow` logged why. Never an unbounded buffer.
 */
export function boundStream(
  response: ServerResponse,
  bytes: number,
  onOverflow: (queued: number) => void,
): void {
  bounds.set(response, { bytes, onOverflow });
}

/** After a write: ends the stream when its client is too far behind. Cheap while the client keeps up. */
function checkBackpressure(response: ServerResponse): boolean {
  if (!response.writableNeedDrain) return true;
  const bound = bounds.get(response);
  if (bound === undefined || response.writableLength <= bound.bytes) return true;
  bounds.delete(response);
  bound.onOverflow(response.writableLength);
  response.destroy();
  return false;
}

/** `data` is one line of JSON (no CR or LF), as a string or as pieces of the bytes a server wrote. */
export function writeSseEvent(
  response: ServerResponse,
  data: string | readonly Buffer[],
  event = "message",
): boolean {
  if (response.destroyed || response.writableEnded) return false;
  if (typeof data === "string") {
    response.write(`event: ${event}\ndata: ${data}\n\n`);
    return checkBackpressure(response);
  }
  // Corked, the pieces leave in one writev.
  response.cork();
  response.write(`event: ${event}\ndata: `);
  for (const piece of data) response.write(piece);
  response.write("\n\n");
  process.nextTick(() => response.uncork());
  return checkBackpressure(response);
}

/** Below this, joining the pieces of an answer allocates less than writing them one by one. */
const JOIN_BELOW_BYTES = 16 * 1024;

/** Answers 200 with one JSON body, given as a string or as pieces (see `spliceResponseId`). */
export function sendJsonPieces(response: ServerResponse, body: string | readonly Buffer[]): void {
  let length = 0;
  if (typeof body === "string") length = Buffer.byteLength(body);
  else for (const piece of body) length += piece.length;
  response.writeHead(200, { "content-type": "application/json", "content-length": length });
  if (typeof body === "string") {
    response.end(body);
    return;
  }
  if (length < JOIN_BELOW_BYTES) {
    // As one latin1 string the bytes stay exactly as they are, and node writes them with the headers
    // in one go, without the stream's bookkeeping for each piece, which runs for every answer.
    response.end(Buffer.concat(body, length).toString("latin1"), "latin1");
    return;
  }
  response.cork();
  for (const piece of body) response.write(piece);
  response.end();
}

/** Writes a comment line every `intervalMs`; returns a function that stops it. */
export function keepAlive(response: ServerResponse, intervalMs = 25_000): () => void {
  const timer = setInterval(() => {
    if (!response.destroyed && !response.writableEnded && !response.writableNeedDrain)
      response.write(": keep-alive\n\n");
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
