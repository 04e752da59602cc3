// Server-Sent Events framing for MCP messages, and a keep-alive comment so proxies keep idle
// streams open.

import type { ServerResponse } from "node:http";

export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
} as const;

/** `data` is one line of JSON (no CR or LF), as a string or as pieces of the bytes a server wrote. */
export function writeSseEvent(
  response: ServerResponse,
  data: string | readonly Buffer[],
  event = "message",
): boolean {
  if (response.destroyed || response.writableEnded) return false;
  if (typeof data === "string") {
    response.write(`event: ${event}\ndata: ${data}\n\n`);
    return true;
  }
  // Corked, the pieces leave in one writev.
  response.cork();
  response.write(`event: ${event}\ndata: `);
  for (const piece of data) response.write(piece);
  response.write("\n\n");
  process.nextTick(() => response.uncork());
  return true;
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
    if (!response.destroyed && !response.writableEnded) response.write(": keep-alive\n\n");
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
