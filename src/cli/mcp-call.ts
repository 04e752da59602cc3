// One tool call for `corral call` over the gateway's Streamable HTTP endpoint (/servers/<name>/mcp):
// initialize, the call with a progress token, then DELETE of the session. MCP rather than REST
// /execute because only MCP carries notifications/progress back while the call runs.

import { CorralError } from "../core/index.js";
import { fetchResponse } from "./gateway-client.js";
import { readSseEvents } from "./sse-reader.js";

const PROTOCOL_VERSION = "2025-06-18";
const SESSION_HEADER = "mcp-session-id";
const CALL_ID = 2;
const PROGRESS_TOKEN = "corral-call";

export interface ProgressParams {
  readonly progress: number;
  readonly total?: number;
  readonly message?: string;
}

export interface ToolCallRequest {
  readonly endpoint: string;
  readonly server: string;
  readonly name: string;
  readonly arguments: Record<string, unknown>;
  /** Client-side bound; without it the server's requestTimeout (enforced by the gateway) applies. */
  readonly timeoutMs: number | undefined;
  readonly onProgress: (progress: ProgressParams) => void;
  /** Aborting cancels the call (the server is sent notifications/cancelled). */
  readonly signal: AbortSignal;
}

export type ToolCallOutcome =
  | { readonly result: unknown }
  | { readonly error: { readonly code: number; readonly message: string; readonly data?: unknown } };

interface RpcMessage {
  readonly id?: unknown;
  readonly method?: string;
  readonly params?: Record<string, unknown>;
  readonly result?: unknown;
  readonly error?: { code: number; message: string; data?: unknown };
}

/** Calls the tool; resolves with its result or JSON-RPC error, throws CorralError on transport trouble. */
export async function callToolOverMcp(request: ToolCallRequest): Promise<ToolCallOutcome> {
  const { endpoint } = request;
  const timeout = request.timeoutMs === undefined ? undefined : AbortSignal.timeout(request.timeoutMs);
  const signal = timeout === undefined ? request.signal : AbortSignal.any([request.signal, timeout]);
  let sessionId: string | undefined;
  const headers = () => ({
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": PROTOCOL_VERSION,
    ...(sessionId === undefined ? {} : { [SESSION_HEADER]: sessionId }),
  });
  const post = (message: unknown, postSignal: AbortSignal = signal) =>
    fetchResponse(endpoint, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify(message),
      signal: postSignal,
    });
  try {
    const init = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: "corral-call", version: "1" },
      },
    });
    sessionId = init.headers.get(SESSION_HEADER) ?? undefined;
    const initialized = await readAnswer(init, 1, () => {});
    if ("error" in initialized) return initialized;
    await (await post({ jsonrpc: "2.0", method: "notifications/initialized" })).body?.cancel();
    const answer = await post({
      jsonrpc: "2.0",
      id: CALL_ID,
      method: "tools/call",
      params: { name: request.name, arguments: request.arguments, _meta: { progressToken: PROGRESS_TOKEN } },
    });
    return await readAnswer(answer, CALL_ID, (message) => {
      if (message.method === "notifications/progress" && message.params?.progressToken === PROGRESS_TOKEN) {
        request.onProgress(message.params as unknown as ProgressParams);
      } else if (message.id !== undefined && message.method !== undefined) {
        // A server→client request (sampling, elicitation, roots): corral call has no one to ask.
        void post({
          jsonrpc: "2.0",
          id: message.id,
          error: { code: -32601, message: `corral call cannot answer ${message.method}` },
        }).then(
          (response) => response.body?.cancel(),
          () => {},
        );
      }
    });
  } catch (error) {
    if (!signal.aborted) throw error;
    if (sessionId !== undefined) {
      const cancelled = { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: CALL_ID } };
      await post(cancelled, AbortSignal.timeout(2_000)).then(
        (response) => response.body?.cancel(),
        () => {},
      );
    }
    if (timeout?.aborted === true) {
      throw new CorralError(
        "REQUEST_TIMEOUT",
        `server "${request.server}" did not answer tools/call within ${request.timeoutMs}ms; it was sent notifications/cancelled`,
        { server: request.server },
      );
    }
    throw new CorralError(
      "REQUEST_TIMEOUT",
      `interrupted; server "${request.server}" was sent notifications/cancelled`,
      {
        server: request.server,
      },
    );
  } finally {
    if (sessionId !== undefined) {
      await fetch(endpoint, {
        method: "DELETE",
        headers: headers(),
        signal: AbortSignal.timeout(2_000),
      }).then(
        (response) => response.body?.cancel(),
        () => {},
      );
    }
  }
}

/** Reads a JSON or SSE answer until the message with `id`, handing every other message to `other`. */
async function readAnswer(
  response: Response,
  id: number,
  other: (message: RpcMessage) => void,
): Promise<ToolCallOutcome> {
  const type = response.headers.get("content-type") ?? "";
  const pick = (message: RpcMessage): ToolCallOutcome | undefined => {
    if (message.id === id && message.method === undefined) {
      return message.error === undefined ? { result: message.result } : { error: message.error };
    }
    other(message);
    return undefined;
  };
  if (type.includes("text/event-stream") && response.body !== null) {
    for await (const event of readSseEvents(response.body as unknown as AsyncIterable<Uint8Array>)) {
      if (event.event !== "message" || event.data === "") continue;
      const outcome = pick(JSON.parse(event.data) as RpcMessage);
      if (outcome !== undefined) {
        await response.body.cancel().catch(() => {});
        return outcome;
      }
    }
  } else if (type.includes("application/json")) {
    const body = (await response.json()) as RpcMessage | RpcMessage[];
    for (const message of Array.isArray(body) ? body : [body]) {
      const outcome = pick(message);
      if (outcome !== undefined) return outcome;
    }
  }
  throw new CorralError(
    "GATEWAY_UNREACHABLE",
    `the gateway ended its answer without a reply to request ${id}`,
  );
}
