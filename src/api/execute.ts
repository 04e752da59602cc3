// POST /api/v1/mcp/execute: one MCP request to one server on behalf of a backend, with no MCP
// session. A tool call's arguments are checked against the tool's inputSchema before anything is
// sent; a server that cannot take requests answers at once (the upstreams' fast-fail); the whole
// call is bounded by `timeoutMs`, after which the server gets notifications/cancelled.

import { type Gateway, isToolExposed } from "../gateway/index.js";
import type { Logger } from "../observability/index.js";
import type { Supervisor } from "../supervisor/index.js";
import type { ResponseBody, UpstreamConnection } from "../upstream/index.js";
import type { ArgumentCheck, ArgumentProblem } from "./argument-validator.js";
import { type RestError, restErrorOfRpc } from "./error-responses.js";

export const MAX_TIMEOUT_MS = 3_600_000;

export interface ExecuteDeps {
  readonly gateway: Gateway;
  readonly supervisor: Supervisor;
  readonly logger: Logger;
  readonly checkArguments: (schema: unknown, args: unknown) => ArgumentCheck;
}

export type ExecuteOutcome = { readonly body: Record<string, unknown> } | { readonly error: RestError };

interface ExecuteRequest {
  readonly server: string;
  /** Set for the tool shape, and for a `tools/call` command. */
  readonly tool?: ToolCall;
  readonly method: string;
  readonly params: Record<string, unknown> | undefined;
  readonly timeoutMs: number | undefined;
  /** Which shape the caller used, to answer in kind. */
  readonly shape: "tool" | "command";
}

type Parsed = { readonly request: ExecuteRequest } | { readonly error: RestError };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const badRequest = (message: string): { error: RestError } => ({ error: { code: "BAD_REQUEST", message } });

const SHAPES =
  'send {"server", "tool", "arguments"?, "timeoutMs"?} or {"server", "command": {"method", "params"?}, "timeoutMs"?}';

interface ToolCall {
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

function parseTool(name: unknown, args: unknown): ToolCall | string {
  if (typeof name !== "string" || name === "") return '"tool" must be a non-empty string';
  if (args !== undefined && !isObject(args)) return '"arguments" must be an object';
  return { name, arguments: args ?? {} };
}

export function parseExecuteRequest(body: unknown): Parsed {
  if (!isObject(body)) return badRequest(`the body must be a JSON object; ${SHAPES}`);
  const known = new Set(["server", "tool", "arguments", "command", "timeoutMs"]);
  const unknown = Object.keys(body).filter((key) => !known.has(key));
  if (unknown.length > 0) return badRequest(`unknown field ${JSON.stringify(unknown[0])}; ${SHAPES}`);
  const { server, tool, command, timeoutMs } = body;
  if (typeof server !== "string" || server === "") return badRequest(`"server" must be a non-empty string`);
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== "number" ||
      !Number.isInteger(timeoutMs) ||
      timeoutMs < 1 ||
      timeoutMs > MAX_TIMEOUT_MS)
  ) {
    return badRequest(`"timeoutMs" must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
  }
  const base = { server, timeoutMs: timeoutMs as number | undefined };
  if ((tool === undefined) === (command === undefined))
    return badRequest(`give exactly one of "tool" and "command"; ${SHAPES}`);
  if (tool !== undefined) {
    const parsed = parseTool(tool, body.arguments);
    if (typeof parsed === "string") return badRequest(parsed);
    return {
      request: { ...base, tool: parsed, method: "tools/call", params: undefined, shape: "tool" },
    };
  }
  if (body.arguments !== undefined)
    return badRequest('"arguments" goes with "tool"; a command carries "params"');
  if (!isObject(command)) return badRequest(`"command" must be an object {"method", "params"?}`);
  const { method, params } = command;
  if (typeof method !== "string" || method === "")
    return badRequest('"command.method" must be a non-empty string');
  if (params !== undefined && !isObject(params)) return badRequest('"command.params" must be an object');
  if (Object.keys(command).some((key) => key !== "method" && key !== "params")) {
    return badRequest('"command" takes only "method" and "params"');
  }
  if (method === "initialize" || method.startsWith("notifications/")) {
    return badRequest(`${method} cannot be sent through /execute: Corral keeps the server's session itself`);
  }
  if (method === "tools/call") {
    const parsed = parseTool(params?.name, params?.arguments);
    if (typeof parsed === "string") return badRequest(parsed.replace('"tool"', '"command.params.name"'));
    return { request: { ...base, tool: parsed, method, params, shape: "command" } };
  }
  return { request: { ...base, method, params, shape: "command" } };
}

let nextCall = 1;

export async function executeRequest(
  deps: ExecuteDeps,
  request: ExecuteRequest,
  clientGone: AbortSignal,
): Promise<ExecuteOutcome> {
  const { gateway, supervisor } = deps;
  const startedAt = Date.now();
  const { server } = request;
  const config = gateway.upstreams.server(server);
  if (config === undefined) {
    return {
      error: { code: "SERVER_NOT_FOUND", message: `no server named "${server}"; see corral ps`, server },
    };
  }
  const state = { state: supervisor.getServer(server)?.state ?? null };
  if (config.disabled) {
    const message = `server "${server}" is disabled in the config; enable it there to call it`;
    return { error: { code: "STATE_CONFLICT", message, server, extra: state } };
  }
  if (config.mode === "per-session") {
    const message = `server "${server}" is per-session: each instance belongs to one MCP client session, and a REST call has none; use /servers/${server}/mcp`;
    return { error: { code: "STATE_CONFLICT", message, server, extra: state } };
  }
  const timeoutMs = request.timeoutMs ?? config.requestTimeoutMs;
  const deadline = startedAt + timeoutMs;
  const signal = AbortSignal.any([clientGone, AbortSignal.timeout(timeoutMs)]);
  const sessionId = `corral:rest:${nextCall++}`;

  let connection: UpstreamConnection | undefined;
  const connect = async (): Promise<RestError | undefined> => {
    if (connection !== undefined) return undefined;
    // Waiting for a start ends when the attempt fails: a crash-looping server answers 503 at once.
    const failedStart = new AbortController();
    const unsubscribe = supervisor.onTransition((transition) => {
      if (transition.server === server && (transition.to === "backoff" || transition.to === "failed"))
        failedStart.abort(new Error(transition.reason));
    });
    try {
      const connected = await gateway.upstreams.connect(
        server,
        AbortSignal.any([signal, failedStart.signal]),
      );
      if ("error" in connected) return restErrorOfRpc(server, connected.error);
      connection = connected.connection;
      return undefined;
    } finally {
      unsubscribe();
    }
  };
  const forward = (method: string, params: unknown): Promise<ResponseBody> | RestError => {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || connection === undefined) {
      return {
        code: "REQUEST_TIMEOUT",
        message: `server "${server}" did not answer within ${timeoutMs}ms`,
        server,
      };
    }
    return connection.forward(method, params, {
      sessionId,
      timeoutMs: remaining,
      onNotification: () => {},
      signal: clientGone,
    });
  };

  let params: unknown = request.params;
  if (request.tool !== undefined) {
    const { name } = request.tool;
    if (!isToolExposed(config, name)) {
      return {
        error: {
          code: "TOOL_NOT_FOUND",
          message: `server "${server}" has no tool "${name}" exposed by the config`,
          server,
        },
      };
    }
    let schema = findCatalogTool(gateway, server, name);
    if (schema === undefined) {
      // Not in the catalog (never listed, or added since): ask the server itself.
      const known = gateway.catalog.hasServer(server);
      const state = supervisor.getServer(server)?.state;
      const canAsk = state === "ready" || state === "degraded" || !known;
      if (canAsk) {
        const failed = await connect();
        if (failed !== undefined) return { error: failed };
        const listed = await listTools(forward, config);
        if ("error" in listed) return { error: listed.error };
        schema = listed.tools.get(name);
      }
      if (schema === undefined) {
        return {
          error: {
            code: "TOOL_NOT_FOUND",
            message: `server "${server}" has no tool "${name}"; see corral tools ${server}`,
            server,
          },
        };
      }
    }
    const check = deps.checkArguments(schema.inputSchema, request.tool.arguments);
    if (!check.ok) {
      return {
        error: {
          code: "INVALID_ARGUMENTS",
          message: `arguments of ${server}.${name} do not match its inputSchema: ${formatProblems(check.problems)}`,
          server,
          extra: { errors: check.problems },
        },
      };
    }
    if ("schemaError" in check) {
      deps.logger.warn(
        { server, tool: name, err: check.schemaError },
        "tool inputSchema does not compile; arguments not checked",
      );
    }
    params = { ...request.params, name, arguments: request.tool.arguments };
  }

  const failed = await connect();
  if (failed !== undefined) return { error: failed };
  const answer = forward(request.method, params);
  if (!(answer instanceof Promise)) return { error: answer };
  const body = await answer;
  if ("error" in body) {
    const error = restErrorOfRpc(server, body.error);
    if (error.code !== "REQUEST_TIMEOUT") return { error };
    // The connection counts from the time left after connecting; the caller asked for timeoutMs.
    const message = `server "${server}" did not answer ${request.method} within ${timeoutMs}ms; it was sent notifications/cancelled`;
    return { error: { ...error, message } };
  }
  const durationMs = Date.now() - startedAt;
  deps.logger.debug({ server, method: request.method, durationMs }, "execute");
  return {
    body:
      request.shape === "tool"
        ? { server, tool: request.tool?.name, result: body.result, durationMs }
        : { server, method: request.method, result: body.result, durationMs },
  };
}

interface ToolItem {
  readonly name: string;
  readonly inputSchema?: unknown;
}

function findCatalogTool(gateway: Gateway, server: string, name: string): ToolItem | undefined {
  if (!gateway.catalog.hasServer(server)) return undefined;
  for (const item of gateway.catalog.list("tools", new Set([server]))) {
    const entry = gateway.catalog.resolve("tools", item.name);
    if (entry?.original === name) return item;
  }
  return undefined;
}

async function listTools(
  forward: (method: string, params: unknown) => Promise<ResponseBody> | RestError,
  config: {
    readonly name: string;
    readonly tools: { readonly allow?: readonly string[]; readonly deny: readonly string[] };
  },
): Promise<{ tools: Map<string, ToolItem> } | { error: RestError }> {
  const tools = new Map<string, ToolItem>();
  let cursor: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const answer = forward("tools/list", cursor === undefined ? {} : { cursor });
    if (!(answer instanceof Promise)) return { error: answer };
    const body = await answer;
    if ("error" in body) return { error: restErrorOfRpc(config.name, body.error) };
    const result = body.result as { tools?: unknown; nextCursor?: unknown };
    for (const tool of Array.isArray(result.tools) ? (result.tools as ToolItem[]) : []) {
      if (typeof tool?.name === "string" && isToolExposed(config, tool.name)) tools.set(tool.name, tool);
    }
    if (typeof result.nextCursor !== "string" || result.nextCursor === "") break;
    cursor = result.nextCursor;
  }
  return { tools };
}

function formatProblems(problems: readonly ArgumentProblem[]): string {
  return problems
    .map((problem) => `${problem.path === "" ? "arguments" : problem.path} ${problem.message}`)
    .join("; ");
}
