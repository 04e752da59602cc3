// JSON-RPC errors the gateway makes itself. Codes sit outside the JSON-RPC reserved range
// (−32768…−32000) except where MCP prescribes one (unknown tool → −32602); `data` always names the
// server and the reason.

import type { JsonRpcErrorObject } from "../core/index.js";

export const GATEWAY_ERROR = {
  /** The server is not ready: backoff, failed, stopped, starting too long. */
  serverUnavailable: -31001,
  /** The server's process ended while the request was waiting. */
  serverExited: -31002,
  /** No answer within the server's requestTimeout. */
  requestTimeout: -31003,
  /** A server→client request that cannot be routed to exactly one client. */
  unroutable: -31004,
  /** The client's request was cancelled (client gone). */
  cancelled: -31005,
  invalidParams: -32602,
  methodNotFound: -32601,
  invalidRequest: -32600,
  parseError: -32700,
  internal: -32603,
} as const;

export function gatewayError(
  code: number,
  message: string,
  data: Record<string, unknown> = {},
): JsonRpcErrorObject {
  return { code, message, data: { source: "corral", ...data } };
}
