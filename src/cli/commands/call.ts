// `corral call <server>.<tool>`: one tool call through POST /api/v1/mcp/execute. Arguments come from
// `--json '{…}'` and `--arg key=value` (a value is a string where the tool's schema wants one, else
// parsed as JSON when it parses); exit 1 when the call fails or the tool reports an error.
import { parseArgs } from "node:util";
import type { ToolView } from "../../api/index.js";
import { CorralError } from "../../core/index.js";
import { fetchJson, postJson, resolveGatewayUrl } from "../gateway-client.js";
import { type CliIo, EXIT_OK, UsageError } from "../io.js";

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

/** The tool's inputSchema, when the gateway knows it, to read `--arg` values the way the tool wants. */
async function findSchema(url: string, server: string, tool: string): Promise<unknown> {
  try {
    const body = (await fetchJson(`${url}/api/v1/mcp/tools?server=${encodeURIComponent(server)}`)) as {
      tools: ToolView[];
    };
    return body.tools.find((item) => item.name === tool)?.inputSchema;
  } catch {
    return undefined; // the call itself reports what is wrong
  }
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
  const pairs = values.arg ?? [];
  const schema = pairs.length === 0 ? undefined : await findSchema(url, server, tool);
  for (const pair of pairs) {
    const equals = pair.indexOf("=");
    if (equals <= 0) throw new UsageError(`--arg takes key=value, got "${pair}"`);
    const key = pair.slice(0, equals);
    args[key] = parseValue(pair.slice(equals + 1), wantsString(schema, key));
  }
  const request = { server, tool, arguments: args, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
  // The gateway bounds the call itself; the HTTP wait only needs to outlast it.
  const body = (await postJson(`${url}/api/v1/mcp/execute`, request, (timeoutMs ?? 3_600_000) + 5_000)) as {
    result: CallResult;
  };
  if (output === "json") io.stdout(`${JSON.stringify(body, null, 2)}\n`);
  else printResult(body.result, io);
  if (body.result.isError === true) {
    throw new CorralError("TOOL_ERROR", `${server}.${tool} reported an error (isError)`, { server });
  }
  return EXIT_OK;
}
