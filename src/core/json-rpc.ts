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
