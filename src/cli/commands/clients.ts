// `corral clients rewrite <client-config>`: points a client's MCP servers at the gateway instead of
// letting the client spawn them: its HTTP URL where the client's file supports one (Cursor, VS Code,
// Windsurf), else `corral connect <server>` (Claude Desktop). Only servers the running gateway has
// are rewritten. A backup of the file is written first; `--dry-run` prints the diff and changes nothing.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ServerView } from "../../api/index.js";
import { replaceFile } from "../backup-write.js";
import { gatewayEntry, isGatewayEntry, parseClientConfig, toServerName } from "../client-configs.js";
import { DEFAULT_GATEWAY_URL, fetchJson, resolveGatewayUrl } from "../gateway-client.js";
import { type CliIo, EXIT_OK, UsageError } from "../io.js";
import { diffLines } from "../text-diff.js";
import { parseClientOption, readClientFile } from "./import.js";

const USAGE =
  "usage: corral clients rewrite <client-config> [--client claude|cursor|vscode|windsurf] [--dry-run] [--json] [--connect-command CMD] [--url URL]";

type Outcome = "rewritten" | "unchanged" | "skipped";

interface RewrittenServer {
  readonly name: string;
  readonly outcome: Outcome;
  readonly reason?: string;
}

export async function runClients(argv: readonly string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand !== "rewrite") throw new UsageError(USAGE);
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      url: { type: "string" },
      client: { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
      "connect-command": { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  const [file] = positionals;
  if (file === undefined || positionals.length > 1) throw new UsageError(USAGE);
  const kind = parseClientOption(values.client);
  const connectCommand = (values["connect-command"] ?? "corral").split(" ").filter(Boolean);
  const url = resolveGatewayUrl(values.url, io.env);
  const path = resolve(io.cwd, file);
  const before = await readClientFile(path);
  const client = parseClientConfig(path, before, kind);
  const known = new Set(
    ((await fetchJson(`${url}/api/v1/mcp/servers`)) as { servers: ServerView[] }).servers.map(
      (server) => server.name,
    ),
  );

  const results: RewrittenServer[] = [];
  const servers: Record<string, unknown> = {};
  for (const [clientName, entry] of Object.entries(client.servers)) {
    const name = toServerName(clientName);
    servers[clientName] = entry;
    if (isGatewayEntry(entry, url)) {
      results.push({ name: clientName, outcome: "unchanged", reason: "already goes through the gateway" });
    } else if (!known.has(name)) {
      const reason = `the gateway at ${url} has no server "${name}"; run corral import ${file} first`;
      results.push({ name: clientName, outcome: "skipped", reason });
    } else {
      servers[clientName] = gatewayEntry(client.kind, name, url, connectCommand, DEFAULT_GATEWAY_URL);
      results.push({ name: clientName, outcome: "rewritten" });
    }
  }
  const changed = results.some((result) => result.outcome === "rewritten");
  const after = `${JSON.stringify({ ...client.document, [client.serversKey]: servers }, null, 2)}\n`;
  const dryRun = values["dry-run"] === true;
  let backup: string | undefined;
  if (changed && !dryRun) backup = await replaceFile(path, after, true);

  if (values.json === true) {
    io.stdout(
      `${JSON.stringify({ file: path, client: client.kind, gateway: url, dryRun, backup: backup ?? null, servers: results }, null, 2)}\n`,
    );
    return EXIT_OK;
  }
  for (const result of results) {
    io.stdout(
      `${result.outcome.padEnd(10)} ${result.name}${result.reason === undefined ? "" : `: ${result.reason}`}\n`,
    );
  }
  if (!changed) io.stdout(`${path}: nothing to rewrite\n`);
  else if (dryRun) io.stdout(`dry run: ${path} not changed; it would become:\n${diffLines(before, after)}\n`);
  else io.stdout(`rewrote ${path} (${client.kind}); backup: ${backup}\n`);
  return EXIT_OK;
}
