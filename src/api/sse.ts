// Server-Sent Events framing for MCP messages, and a keep-alive comment so proxies keep idle
// streams open.

import type { ServerResponse } from "node:http";

export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
} as const;

/** `data` is one line of JSON (no CR or LF), as a string or as the bytes a server wrote. */
export function writeSseEvent(response: ServerResponse, data: string | Buffer, event = "message"): boolean {
  if (response.destroyed || response.writableEnded) return false;
  if (typeof data === "string") response.write(`event: ${event}\ndata: ${data}\n\n`);
  else response.write(Buffer.concat([Buffer.from(`event: ${event}\ndata: `), data, EVENT_END]));
  return true;
}

const EVENT_END = Buffer.from("\n\n");

/** Writes a comment line every `intervalMs`; returns a function that stops it. */
export function keepAlive(response: ServerResponse, intervalMs = 25_000): () => void {
  const timer = setInterval(() => {
    if (!response.destroyed && !response.writableEnded) response.write(": keep-alive\n\n");
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
