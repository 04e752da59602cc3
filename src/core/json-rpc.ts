// JSON-RPC 2.0 message shapes as they appear on the wire. Only the fields Corral routes on are typed.

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  readonly jsonrpc: "2.0";
  readonly id: JsonRpcId;
  readonly method: string;
  readonly params?: unknown;
}

export interface JsonRpcNotification {
  readonly jsonrpc: "2.0";
  readonly method: string;
  readonly params?: unknown;
}

export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export interface JsonRpcResponse {
  readonly jsonrpc: "2.0";
  readonly id: JsonRpcId | null;
  readonly result?: unknown;
  readonly error?: JsonRpcErrorObject;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export const JSON_RPC_PARSE_ERROR = -32700;
export const JSON_RPC_INVALID_REQUEST = -32600;
export const JSON_RPC_METHOD_NOT_FOUND = -32601;
export const JSON_RPC_INVALID_PARAMS = -32602;
export const JSON_RPC_INTERNAL_ERROR = -32603;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isJsonRpcResponse(message: unknown): message is JsonRpcResponse {
  return isObject(message) && message.jsonrpc === "2.0" && "id" in message && !("method" in message);
}

export function isJsonRpcRequest(message: unknown): message is JsonRpcRequest {
  return (
    isObject(message) && message.jsonrpc === "2.0" && typeof message.method === "string" && "id" in message
  );
}

export function isJsonRpcNotification(message: unknown): message is JsonRpcNotification {
  return (
    isObject(message) && message.jsonrpc === "2.0" && typeof message.method === "string" && !("id" in message)
  );
}

/** What a client's message is, once it passed `checkClientMessage`. */
export type MessageKind = "request" | "notification" | "response";

/** The verdict on one parsed message: its kind, or why it is not a valid one and the id to answer with. */
export type MessageCheck =
  | { readonly ok: true; readonly kind: MessageKind }
  | { readonly ok: false; readonly reason: string; readonly id: JsonRpcId | null };

/**
 * A request id as MCP allows it: a string or an integer, never null. Integers beyond 2^53 − 1 are
 * refused too: JSON.parse has already rounded them, so echoing one back would name another request.
 */
export function isRequestId(value: unknown): value is JsonRpcId {
  return typeof value === "string" || Number.isSafeInteger(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && !Number.isInteger(value)) return `the fraction ${value}`;
  if (typeof value === "number" && !Number.isSafeInteger(value)) return `${value}, past 2^53 − 1`;
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function refuse(reason: string, id: unknown): MessageCheck {
  return { ok: false, reason, id: isRequestId(id) ? id : null };
}

/**
 * Checks one parsed message against JSON-RPC 2.0 as MCP narrows it (basic/index.mdx): an object with
 * `"jsonrpc": "2.0"`; a request has a string `method`, a string or integer `id` and object `params`
 * if any; a notification has no `id`; a response has an id and exactly one of an object `result`
 * or an `error` with an integer code and a string message. Property reads only: the message was parsed
 * once already, and this runs for every message on the hot path.
 */
export function checkClientMessage(value: unknown): MessageCheck {
  if (!isObject(value)) return refuse(`a message must be a JSON object, not ${describe(value)}`, null);
  const { id } = value;
  if (value.jsonrpc !== "2.0")
    return refuse(
      `"jsonrpc" must be "2.0" (got ${"jsonrpc" in value ? describe(value.jsonrpc) : "nothing"})`,
      id,
    );
  if ("method" in value) {
    if (typeof value.method !== "string")
      return refuse(`"method" must be a string, not ${describe(value.method)}`, id);
    if ("result" in value || "error" in value)
      return refuse("a request or notification must not carry result or error", id);
    if ("params" in value && !isObject(value.params))
      return refuse(`"params" must be an object, not ${describe(value.params)}`, id);
    if (!("id" in value)) return { ok: true, kind: "notification" };
    if (!isRequestId(id))
      return refuse(`"id" must be a string or an integer (at most 2^53 − 1), not ${describe(id)}`, null);
    return { ok: true, kind: "request" };
  }
  const hasResult = "result" in value;
  const hasError = "error" in value;
  if (!hasResult && !hasError)
    return refuse('a message needs "method" (request, notification) or "result"/"error" (response)', id);
  if (hasResult && hasError) return refuse('a response carries "result" or "error", not both', id);
  if (hasResult) {
    if (!isRequestId(id))
      return refuse(
        `a response's "id" must be a string or an integer, not ${"id" in value ? describe(id) : "missing"}`,
        null,
      );
    if (!isObject(value.result))
      return refuse(`"result" must be an object, not ${describe(value.result)}`, id);
    return { ok: true, kind: "response" };
  }
  // An error answer may lack an id (or carry null) when the request it answers could not be read.
  if (id !== undefined && id !== null && !isRequestId(id))
    return refuse(`an error response's "id" must be a string, an integer or null, not ${describe(id)}`, null);
  const error = value.error;
  if (!isObject(error) || !Number.isSafeInteger(error.code) || typeof error.message !== "string")
    return refuse('"error" must be an object with an integer "code" and a string "message"', id);
  return { ok: true, kind: "response" };
}
