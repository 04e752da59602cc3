// Small pieces both MCP transports need on the HTTP side: JSON-RPC error replies, reading and
// checking a POST of client messages (Content-Type, size, JSON, JSON-RPC shape), and content
// negotiation by Accept.

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  checkClientMessage,
  findDuplicateKey,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcRequest,
} from "../core/index.js";
import type { QuotaGuard } from "../gateway/index.js";
import { GATEWAY_ERROR } from "../upstream/index.js";
import { discardBody, readBody } from "./body.js";

/** Returned by `readClientMessages` when it already answered (415, 413, 400): the caller just stops. */
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

/**
 * True for `application/json`, with parameters (`; charset=utf-8`) and in any case, and nothing else:
 * the media type before the first `;` is compared whole, never searched for (`text/plain;
 * x=application/json` is text).
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === "application/json") return true;
  if (header === undefined) return false;
  const semicolon = header.indexOf(";");
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase() === "application/json";
}

/** The messages of a POST that passed every check, and the body's bytes as they came. */
export interface ClientMessages {
  readonly messages: readonly JsonRpcMessage[];
  /** The body was a JSON array (a JSON-RPC batch), even of one message. */
  readonly batch: boolean;
  /** Set when the body is one request: its kind is known without checking again. */
  readonly request: JsonRpcRequest | undefined;
  readonly bytes: Buffer;
}

/** Protocol versions are dates, so they compare as strings. */
const BATCHES_REMOVED_IN = "2025-06-18";

/** Answers 400 with −32600 (Invalid Request) saying why, and the id when one could be read. */
function refuseMessages(
  response: ServerResponse,
  reason: string,
  id: JsonRpcId | null = null,
): typeof ANSWERED {
  sendRpcError(response, 400, GATEWAY_ERROR.invalidRequest, `Invalid Request: ${reason}`, id);
  return ANSWERED;
}

function duplicateReason(pointer: string): string {
  return `the key at ${pointer} appears twice in one object; JSON readers disagree on which one counts, so send each key once`;
}

/**
 * Reads a POST of JSON-RPC messages and checks it as JSON-RPC 2.0 and MCP ask, answering itself
 * when it fails: 415 for a Content-Type other than application/json, 413 over the limit, 400 with
 * −32700 for JSON that does not parse, 400 with −32600 (and the offending message's id, where it is
 * a valid one) for a message of the wrong shape, a key twice in one object (at any depth), an empty
 * batch, or initialize inside a batch.
 * Nothing refused here reaches a session or a server.
 */
export async function readClientMessages(
  request: IncomingMessage,
  response: ServerResponse,
  maxBytes: number,
): Promise<ClientMessages | typeof ANSWERED> {
  if (!isJsonContentType(request.headers["content-type"])) {
    await discardBody(request, response, maxBytes);
    const got = request.headers["content-type"];
    sendRpcError(
      response,
      415,
      GATEWAY_ERROR.invalidRequest,
      `Unsupported Media Type: the body must be Content-Type: application/json (got ${got === undefined ? "none" : JSON.stringify(got)})`,
    );
    return ANSWERED;
  }
  const body = await readJsonBody(request, response, maxBytes);
  if (body === ANSWERED) return ANSWERED;
  const parsed = body.value;
  // Decisions (tool policy, routing) read the parsed message while servers get the bytes: with a
  // key twice in one object, the two can disagree on which one counts.
  const duplicate = findDuplicateKey(body.bytes);
  if (!Array.isArray(parsed)) {
    const check = checkClientMessage(parsed);
    if (!check.ok) return refuseMessages(response, check.reason, check.id);
    if (duplicate !== undefined) {
      const id = check.kind === "request" ? (parsed as JsonRpcRequest).id : null;
      return refuseMessages(response, duplicateReason(duplicate), id);
    }
    const message = parsed as JsonRpcMessage;
    return {
      messages: [message],
      batch: false,
      request: check.kind === "request" ? (message as JsonRpcRequest) : undefined,
      bytes: body.bytes,
    };
  }
  if (parsed.length === 0) return refuseMessages(response, "an empty batch ([]) holds no message");
  for (let index = 0; index < parsed.length; index += 1) {
    const message = parsed[index] as unknown;
    const check = checkClientMessage(message);
    const at = `message ${index + 1} of the batch`;
    if (!check.ok) return refuseMessages(response, `${at}: ${check.reason}`, check.id);
    if (check.kind === "request" && (message as JsonRpcRequest).method === "initialize")
      return refuseMessages(
        response,
        `${at}: initialize must not be part of a batch`,
        (message as JsonRpcRequest).id,
      );
  }
  if (duplicate !== undefined) return refuseMessages(response, duplicateReason(duplicate));
  return { messages: parsed as JsonRpcMessage[], batch: true, request: undefined, bytes: body.bytes };
}

/**
 * Answers 400 (−32600) and returns true when a session of `protocolVersion` may not send batches:
 * MCP 2025-06-18 removed JSON-RPC batching; 2025-03-26 and older sessions keep it.
 */
export function refuseBatch(response: ServerResponse, protocolVersion: string): boolean {
  if (protocolVersion < BATCHES_REMOVED_IN) return false;
  refuseMessages(
    response,
    `JSON-RPC batches were removed in MCP ${BATCHES_REMOVED_IN} and this session speaks ${protocolVersion}; send one message per POST`,
  );
  return true;
}

/**
 * Answers 400 with the quota error and returns true when a batch holds more messages than
 * gateway.quotas.batchLength: none of them reaches a session or a server.
 */
export function refuseLongBatch(
  response: ServerResponse,
  length: number,
  quotas: QuotaGuard,
  address: string,
): boolean {
  if (length <= quotas.limits.batchLength) return false;
  const error = quotas.refuse(
    "batchLength",
    address,
    `the batch holds ${length} messages; send fewer per POST`,
  );
  const text = JSON.stringify({ jsonrpc: "2.0", id: null, error });
  response.writeHead(400, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
  return true;
}

/** The client's address as quotas count it. */
export function clientAddress(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? "unknown";
}

/** A parsed body, and its bytes as they came. */
interface JsonBody {
  readonly value: unknown;
  readonly bytes: Buffer;
}

/** Reads and parses a JSON body within the limit; on failure answers 413 or 400 itself. */
async function readJsonBody(
  request: IncomingMessage,
  response: ServerResponse,
  maxBytes: number,
): Promise<JsonBody | typeof ANSWERED> {
  const read = await readBody(request, response, maxBytes);
  if (!read.ok) {
    if (read.reason === "too-large") {
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
