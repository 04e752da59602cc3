// The one place REST errors get their HTTP status, and the one way they are written:
// `{"error": {"code", "message", "server"?, …}}` (DESIGN.md §6, docs/errors.md). Gateway-made
// JSON-RPC errors from an upstream call are translated here too.

import type { ServerResponse } from "node:http";
import type { ErrorCode, JsonRpcErrorObject } from "../core/index.js";
import { QUOTA_EXCEEDED } from "../gateway/index.js";
import { GATEWAY_ERROR } from "../upstream/index.js";

export const REST_STATUS = {
  BAD_REQUEST: 400,
  INVALID_ARGUMENTS: 400,
  HOST_NOT_ALLOWED: 403,
  ORIGIN_NOT_ALLOWED: 403,
  SERVER_NOT_FOUND: 404,
  TOOL_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  STATE_CONFLICT: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  QUOTA_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  UPSTREAM_ERROR: 502,
  CONNECTION_CLOSED: 502,
  SERVER_UNAVAILABLE: 503,
  REQUEST_TIMEOUT: 504,
} as const satisfies Partial<Record<ErrorCode, number>>;

export type RestErrorCode = keyof typeof REST_STATUS;

export interface RestError {
  readonly code: RestErrorCode;
  readonly message: string;
  readonly server?: string;
  /** Extra fields of the error object: `state`, `retryAt`, schema `errors`, the upstream's `rpcError`. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function restErrorBody(error: RestError): { error: Record<string, unknown> } {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.server === undefined ? {} : { server: error.server }),
      ...error.extra,
    },
  };
}

export function sendRestError(response: ServerResponse, error: RestError): void {
  const headers: Record<string, string> = {};
  const retryAt = error.extra?.retryAt;
  if (error.code === "SERVER_UNAVAILABLE" && typeof retryAt === "string") {
    headers["retry-after"] = String(Math.max(1, Math.ceil((Date.parse(retryAt) - Date.now()) / 1000)));
  }
  if (error.code === "METHOD_NOT_ALLOWED" && typeof error.extra?.allow === "string") {
    headers.allow = error.extra.allow;
  }
  sendJson(response, REST_STATUS[error.code], restErrorBody(error), headers);
}

/**
 * A JSON-RPC error from an upstream call as a REST error. Errors Corral made itself (`data.source`
 * is "corral") map by their code; anything the server answered is UPSTREAM_ERROR with the error attached.
 */
export function restErrorOfRpc(server: string, error: JsonRpcErrorObject): RestError {
  const data = (error.data ?? {}) as Record<string, unknown>;
  if (data.source === "corral") {
    switch (error.code) {
      case GATEWAY_ERROR.serverUnavailable:
        return {
          code: "SERVER_UNAVAILABLE",
          message: error.message,
          server,
          extra: {
            state: data.state ?? null,
            reason: data.reason ?? null,
            retryAt: data.retryAt ?? null,
            ...(data.held === true ? { held: true } : {}),
          },
        };
      case GATEWAY_ERROR.serverExited:
        return { code: "CONNECTION_CLOSED", message: error.message, server };
      case GATEWAY_ERROR.requestTimeout:
        return { code: "REQUEST_TIMEOUT", message: error.message, server };
      case QUOTA_EXCEEDED:
        return {
          code: "QUOTA_EXCEEDED",
          message: error.message,
          server,
          extra: { quota: data.quota ?? null },
        };
    }
  }
  return {
    code: "UPSTREAM_ERROR",
    message: `server "${server}" answered with error ${error.code}: ${error.message}`,
    server,
    extra: { rpcError: error },
  };
}
