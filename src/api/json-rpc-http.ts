// Small pieces both MCP transports need on the HTTP side: JSON-RPC error replies, the shape check of
// a client message, and content negotiation by Accept.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { JsonRpcMessage } from "../core/index.js";

export function sendRpcError(
  response: ServerResponse,
  status: number,
  code: number,
  message: string,
  id: unknown = null,
): void {
  const text = JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } });
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

/** True when the request has no Accept header or one that admits `type`. */
export function accepts(request: IncomingMessage, type: string): boolean {
  const accept = request.headers.accept;
  return accept === undefined || accept.includes(type) || accept.includes("*/*");
}

export function isJsonRpcMessage(value: unknown): value is JsonRpcMessage {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { jsonrpc?: unknown }).jsonrpc === "2.0"
  );
}
