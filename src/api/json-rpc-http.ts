// Small pieces both MCP transports need on the HTTP side: JSON-RPC error replies, the shape check of
// a client message, and content negotiation by Accept.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { JsonRpcMessage } from "../core/index.js";
import { GATEWAY_ERROR } from "../upstream/index.js";
import { readBody } from "./body.js";

/** Returned by `readJsonBody` when it already answered (413, 400): the caller just stops. */
export const ANSWERED = Symbol("answered");

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

/** A parsed body, and its bytes as they came. */
export interface JsonBody {
  readonly value: unknown;
  readonly bytes: Buffer;
}

/** Reads and parses a JSON body within the limit; on failure answers 413 or 400 itself. */
export async function readJsonBody(
  request: IncomingMessage,
  response: ServerResponse,
  maxBytes: number,
): Promise<JsonBody | typeof ANSWERED> {
  const read = await readBody(request, maxBytes);
  if (!read.ok) {
    if (read.reason === "too-large") {
      response.setHeader("connection", "close");
      sendRpcError(
        response,
        413,
        GATEWAY_ERROR.invalidRequest,
        `Payload Too Large: the limit is ${maxBytes} bytes (gateway.maxBodySize)`,
      );
    }
    return ANSWERED;
  }
  try {
    return { value: JSON.parse(read.body.toString("utf8")), bytes: read.body };
  } catch (error) {
    sendRpcError(response, 400, GATEWAY_ERROR.parseError, `Parse error: ${(error as Error).message}`);
    return ANSWERED;
  }
}
