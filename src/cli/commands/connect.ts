// `corral connect <server>` and `corral connect --all`: a stdio MCP server for clients that only
// spawn commands (Claude Desktop's `"command": "corral", "args": ["connect", "memory"]`), backed by
// the running gateway instead of a process of its own. stdout carries only MCP messages; logs go to
// stderr. Ends with exit 0 when the client closes stdin. An unknown server or a gateway that does not
// answer at start is exit 1 at once, with the reason on stderr: a client shows that as "server failed"
// with our message, where a bridge left running would answer every request with the same error. Once
// bridging, a gateway that goes away is survived (requests get errors, the session is replayed).

import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import { GATEWAY_ERROR } from "../../upstream/index.js";
import { fetchJson, resolveGatewayUrl } from "../gateway-client.js";
import { type CliIo, EXIT_OK, UsageError } from "../io.js";
import { StreamableBridge } from "../mcp-bridge.js";

/** How long answers still in flight may take once stdin has ended. */
const CLOSE_GRACE_MS = 10_000;

export interface ConnectStdio {
  readonly stdin: Readable;
  readonly stdout: Writable;
}

export async function runConnect(
  argv: readonly string[],
  io: CliIo,
  stdio: ConnectStdio = { stdin: process.stdin, stdout: process.stdout },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { url: { type: "string" }, all: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  const [name] = positionals;
  const all = values.all === true;
  if (positionals.length > 1 || (name === undefined) === !all)
    throw new UsageError("usage: corral connect <server> | --all [--url URL]");
  const base = resolveGatewayUrl(values.url, io.env);
  const endpoint = name === undefined ? `${base}/mcp` : `${base}/servers/${encodeURIComponent(name)}/mcp`;
  const log = (text: string) => io.stderr(`corral connect: ${text}\n`);
  // Throws SERVER_NOT_FOUND ("…; see corral ps") or GATEWAY_UNREACHABLE: exit 1 before reading stdin.
  await fetchJson(
    name === undefined ? `${base}/healthz` : `${base}/api/v1/mcp/servers/${encodeURIComponent(name)}`,
  );

  const { stdin, stdout } = stdio;
  const lines = createInterface({ input: stdin, crlfDelay: Number.POSITIVE_INFINITY });
  let outputClosed = false;
  stdout.on("error", () => {
    // The client went away (EPIPE): nothing more can reach it.
    outputClosed = true;
    lines.close();
  });
  const write = (message: unknown) => {
    if (!outputClosed) stdout.write(`${JSON.stringify(message)}\n`);
  };
  const bridge = new StreamableBridge({ endpoint, write, log });
  let graceMs = CLOSE_GRACE_MS;
  const stop = () => {
    graceMs = 0;
    lines.close();
    stdin.destroy();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  log(`bridging stdio to ${endpoint}`);
  try {
    for await (const line of lines) {
      if (line.trim() === "") continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch (error) {
        log(`ignored a line that is not JSON: ${(error as Error).message}`);
        write({
          jsonrpc: "2.0",
          id: null,
          error: { code: GATEWAY_ERROR.parseError, message: `Parse error: ${(error as Error).message}` },
        });
        continue;
      }
      bridge.send(message);
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  await bridge.close(graceMs);
  return EXIT_OK;
}
