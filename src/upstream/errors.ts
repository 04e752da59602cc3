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

/** Corral's own block of codes (GATEWAY_ERROR's −31001…−31005 and room to grow); no server may use it. */
export const CORRAL_CODE_BLOCK = { first: -31099, last: -31000 } as const;
/** What a server's error in Corral's block becomes: JSON-RPC's generic implementation-defined server error. */
export const UPSTREAM_RESERVED_CODE_REPLACEMENT = -32000;

/**
 * A server's JSON-RPC error as clients get it: a code in Corral's block becomes −32000 and a
 * `data.source` of "corral" becomes "server", the original kept in `data.upstreamCode` /
 * `data.upstreamSource`, so a client can tell Corral's own errors from a server's imitation of them.
 * Anything else passes unchanged (the same object).
 */
export function fenceUpstreamError(server: string, error: JsonRpcErrorObject): JsonRpcErrorObject {
  const code = error.code;
  const reserved =
    typeof code === "number" && code >= CORRAL_CODE_BLOCK.first && code <= CORRAL_CODE_BLOCK.last;
  const data = error.data;
  const record =
    typeof data === "object" && data !== null && !Array.isArray(data)
      ? (data as Record<string, unknown>)
      : undefined;
  const forgedSource = record?.source === "corral";
  if (!reserved && !forgedSource) return error;
  return {
    ...error,
    code: reserved ? UPSTREAM_RESERVED_CODE_REPLACEMENT : code,
    data: {
      ...(record ?? (data === undefined ? {} : { upstreamData: data })),
      source: "server",
      server,
      ...(reserved ? { upstreamCode: code } : {}),
      ...(forgedSource ? { upstreamSource: "corral" } : {}),
    },
  };
}
