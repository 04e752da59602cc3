// `corral call <server>.<tool>`: one tool call through the gateway's MCP endpoint for the server, so
// the tool's progress notifications reach stderr while it runs. Before calling, the catalog is asked
// whether the tool exists and the arguments are checked against its inputSchema, as REST /execute
// does. Arguments come from `--json '{…}'` and `--arg key=value` (a value is a string where the
// tool's schema wants one, else parsed as JSON when it parses); exit 1 when the call fails or the
// tool reports an error. stdout carries only the result.
import { parseArgs } from "node:util";
import { loadArgumentValidator, type ToolView } from "../../api/index.js";
import { CorralError } from "../../core/index.js";
import { GATEWAY_ERROR } from "../../upstream/index.js";
import { fetchJson, resolveGatewayUrl } from "../gateway-client.js";
import { type CliIo, EXIT_OK, UsageError } from "../io.js";
import { callToolOverMcp, type ProgressParams } from "../mcp-call.js";

const USAGE =
  "usage: corral call <server>.<tool> [--arg key=value …] [--json '{…}'] [--timeout MS] [--output text|json] [--url URL]";

interface CallResult {
  readonly content?: readonly { readonly type: string; readonly text?: string }[];
  readonly structuredContent?: unknown;
  readonly isError?: boolean;
}

function parseTarget(target: string | undefined): { server: string; tool: string } {
  const dot = target?.indexOf(".") ?? -1;
  if (target === undefined || dot <= 0 || dot === target.length - 1) throw new UsageError(USAGE);
  return { server: target.slice(0, dot), tool: target.slice(dot + 1) };
}

function wantsString(schema: unknown, key: string): boolean {
  const property = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties?.[
    key
  ];
  const type = property?.type;
  return type === "string" || (Array.isArray(type) && type.includes("string") && type.length === 1);
}

function parseValue(text: string, asString: boolean): unknown {
  if (asString) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface ToolsBody {
  readonly tools: readonly ToolView[];
  readonly unlisted: readonly { readonly server: string }[];
}

/**
 * The tool as the catalog lists it, or undefined while the server's list is not known yet (the call
 * itself then says what is wrong). Throws for an unknown server or tool, as REST /execute would.
 */
async function findTool(url: string, server: string, tool: string): Promise<ToolView | undefined> {
  const body = (await fetchJson(`${url}/api/v1/mcp/tools?server=${encodeURIComponent(server)}`)) as ToolsBody;
  const found = body.tools.find((item) => item.name === tool);
  if (found !== undefined || body.unlisted.some((item) => item.server === server)) return found;
  throw new CorralError(
    "TOOL_NOT_FOUND",
    `server "${server}" has no tool "${tool}"; see corral tools ${server}`,
    {
      server,
    },
  );
}

/** The same check, and the same message, as REST /execute gives before anything is sent. */
async function checkArguments(server: string, tool: ToolView, args: Record<string, unknown>): Promise<void> {
  if (typeof tool.inputSchema !== "object" || tool.inputSchema === null) return;
  const check = (await loadArgumentValidator())(tool.inputSchema, args);
  if (check.ok) return;
  const problems = check.problems
    .map((problem) => `${problem.path === "" ? "arguments" : problem.path} ${problem.message}`)
    .join("; ");
  throw new CorralError(
    "INVALID_ARGUMENTS",
    `arguments of ${server}.${tool.name} do not match its inputSchema: ${problems}`,
    { server },
  );
}

/** One line per progress notification: "progress 50/100 (50%): message". */
function formatProgress({ progress, total, message }: ProgressParams): string {
  const amount =
    typeof total === "number" && total > 0
      ? `${progress}/${total} (${Math.round((progress / total) * 100)}%)`
      : String(progress);
  return `progress ${amount}${typeof message === "string" && message !== "" ? `: ${message}` : ""}\n`;
}

function printResult(result: CallResult, io: CliIo): void {
  const write = result.isError === true ? io.stderr : io.stdout;
  const content = result.content ?? [];
  for (const item of content) {
    write(
      item.type === "text" && typeof item.text === "string" ? `${item.text}\n` : `${JSON.stringify(item)}\n`,
    );
  }
  if (content.length === 0 && result.structuredContent !== undefined) {
    write(`${JSON.stringify(result.structuredContent, null, 2)}\n`);
  }
}

export async function runCall(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      url: { type: "string" },
      arg: { type: "string", multiple: true, short: "a" },
      json: { type: "string" },
      timeout: { type: "string" },
      output: { type: "string", short: "o" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const { server, tool } = parseTarget(positionals[0]);
  const output = values.output ?? "text";
  if (output !== "text" && output !== "json")
    throw new UsageError(`--output must be text or json, got "${output}"`);
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) {
    throw new UsageError(`--timeout must be a positive integer of milliseconds, got "${values.timeout}"`);
  }
  let args: Record<string, unknown> = {};
  if (values.json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.json);
    } catch (error) {
      throw new UsageError(`--json is not JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new UsageError("--json must be a JSON object of arguments");
    }
    args = parsed as Record<string, unknown>;
  }
  const url = resolveGatewayUrl(values.url, io.env);
  const found = await findTool(url, server, tool);
  for (const pair of values.arg ?? []) {
    const equals = pair.indexOf("=");
    if (equals <= 0) throw new UsageError(`--arg takes key=value, got "${pair}"`);
    const key = pair.slice(0, equals);
    args[key] = parseValue(pair.slice(equals + 1), wantsString(found?.inputSchema, key));
  }
  if (found !== undefined) await checkArguments(server, found, args);

  const interrupted = new AbortController();
  const onSignal = () => interrupted.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const startedAt = Date.now();
  let outcome: Awaited<ReturnType<typeof callToolOverMcp>>;
  try {
    outcome = await callToolOverMcp({
      endpoint: `${url}/servers/${encodeURIComponent(server)}/mcp`,
      server,
      name: tool,
      arguments: args,
      timeoutMs,
      onProgress: (progress) => io.stderr(formatProgress(progress)),
      signal: interrupted.signal,
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if ("error" in outcome) {
    const code =
      outcome.error.code === GATEWAY_ERROR.serverUnavailable ? "SERVER_UNAVAILABLE" : "UPSTREAM_ERROR";
    throw new CorralError(code, outcome.error.message, { server });
  }
  const result = outcome.result as CallResult;
  if (output === "json") {
    const body = { server, tool, result, durationMs: Date.now() - startedAt };
    io.stdout(`${JSON.stringify(body, null, 2)}\n`);
  } else printResult(result, io);
  if (result.isError === true) {
    throw new CorralError("TOOL_ERROR", `${server}.${tool} reported an error (isError)`, { server });
  }
  return EXIT_OK;
}
