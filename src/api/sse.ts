// Server-Sent Events framing for MCP messages, and a keep-alive comment so proxies keep idle
// streams open.

import type { ServerResponse } from "node:http";

export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
} as const;

export function writeSseEvent(response: ServerResponse, data: string, event = "message"): boolean {
  if (response.destroyed || response.writableEnded) return false;
  response.write(`event: ${event}\ndata: ${data}\n\n`);
  return true;
}

/** Writes a comment line every `intervalMs`; returns a function that stops it. */
export function keepAlive(response: ServerResponse, intervalMs = 25_000): () => void {
  const timer = setInterval(() => {
    if (!response.destroyed && !response.writableEnded) response.write(": keep-alive\n\n");
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
