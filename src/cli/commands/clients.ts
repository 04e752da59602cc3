// `corral clients rewrite <client-config>`: points a client's MCP servers at the gateway instead of
// letting the client spawn them: its HTTP URL where the client's file supports one (Cursor, VS Code,
// Windsurf), else `corral connect <server>` (Claude Desktop). A server is rewritten only when the
// running gateway has it and the gateway's config (--config) defines it the same way; a different
// definition is a warning and the entry stays (--force rewrites it anyway). The file is edited in
// place, comments and the client's own keys kept; a backup is written first; `--dry-run` changes nothing.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import type { ServerView } from "../../api/index.js";
import {
  type CorralConfig,
  formatConfigIssues,
  loadConfigFile,
  parseConfigText,
  stripJsonComments,
} from "../../config/index.js";
import { resolveExecutable } from "../../platform/index.js";
import { replaceFile } from "../backup-write.js";
import {
  type ClientConfig,
  gatewayEntry,
  isGatewayEntry,
  parseClientConfig,
  toCorralServer,
  toServerName,
} from "../client-configs.js";
import { resolveConfigPath } from "../config-path.js";
import { DEFAULT_GATEWAY_URL, fetchJson, resolveGatewayUrl } from "../gateway-client.js";
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError } from "../io.js";
import { replaceServerEntry } from "../jsonc-edit.js";
import { compareServers } from "../server-match.js";
import { diffLines } from "../text-diff.js";
import { parseClientOption, readClientFile } from "./import.js";

const USAGE =
  "usage: corral clients rewrite <client-config> [--config corral.yaml] [--force] [--client claude|cursor|vscode|windsurf] [--dry-run] [--json] [--connect-command CMD] [--url URL]";

/** dist/src/cli/commands → the package's bin, for clients that cannot find `corral` on their PATH. */
const CORRAL_BIN = fileURLToPath(new URL("../../../../bin/corral.js", import.meta.url));

type Outcome = "rewritten" | "unchanged" | "skipped";

interface RewrittenServer {
  readonly name: string;
  readonly outcome: Outcome;
  readonly reason?: string;
  /** What differs from the gateway's definition (names only, never values). */
  readonly differences?: readonly string[];
}

/**
 * The command a client runs for `corral connect`: as given, else `corral` when the PATH has it,
 * else this node and this package's bin by absolute path, so the client can really start it.
 */
function chooseConnectCommand(
  explicit: string | undefined,
  io: CliIo,
): { command: string[]; warning?: string } {
  const path = io.env.PATH ?? "";
  if (explicit !== undefined) {
    const command = explicit.split(" ").filter(Boolean);
    const [program = ""] = command;
    if (resolveExecutable(program, path, io.cwd) !== undefined) return { command };
    return {
      command,
      warning: `--connect-command: "${program}" is not on the PATH; the client may not start it`,
    };
  }
  if (resolveExecutable("corral", path, io.cwd) !== undefined) return { command: ["corral"] };
  return {
    command: [process.execPath, CORRAL_BIN],
    warning: `corral is not on the PATH; the client will run ${process.execPath} ${CORRAL_BIN} connect … instead (npm install -g corral, or --connect-command, for a shorter entry)`,
  };
}

/** The gateway's config as loaded by `corral up`, and its raw top-level keys (envFile, gateway…). */
async function loadGatewayConfig(
  path: string,
  io: CliIo,
): Promise<{ config: CorralConfig; raw: Record<string, unknown> }> {
  const loaded = await loadConfigFile(path, { env: io.env });
  if (!loaded.ok) {
    throw new Error(
      `cannot read the gateway's config ${path} (--config) to compare servers:\n${formatConfigIssues(loaded.issues)}`,
    );
  }
  const text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  const raw = parse(/\.jsonc?$/i.test(path) ? stripJsonComments(text) : text) as Record<string, unknown>;
  return { config: loaded.config, raw };
}

/** Differences between a client's entry and the gateway's server; a string when they cannot be compared. */
function compareWithGateway(
  name: string,
  entry: Record<string, unknown>,
  gateway: { config: CorralConfig; raw: Record<string, unknown> },
  io: CliIo,
): string[] | string {
  const ours = gateway.config.servers.find((server) => server.name === name);
  if (ours === undefined) return `the gateway's config ${gateway.config.source} has no server "${name}"`;
  const { server } = toCorralServer(name, entry);
  // The client's entry read in the gateway's file, so ${VAR}, its envFile and relative paths resolve alike.
  const { servers: _servers, mcpServers: _mcpServers, ...rest } = gateway.raw;
  const probe = parseConfigText(
    JSON.stringify({ ...rest, servers: { [name]: server } }),
    gateway.config.source,
    { env: io.env },
  );
  const theirs = probe.ok ? probe.config.servers[0] : undefined;
  if (theirs === undefined) {
    const first = probe.ok ? "it does not load" : (probe.issues[0]?.message ?? "it does not load");
    return `cannot compare it with the gateway's "${name}": ${first}`;
  }
  return compareServers(theirs, ours, server.cwd !== undefined);
}

export async function runClients(argv: readonly string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand !== "rewrite") throw new UsageError(USAGE);
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      url: { type: "string" },
      config: { type: "string", short: "c" },
      force: { type: "boolean" },
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
  const url = resolveGatewayUrl(values.url, io.env);
  const path = resolve(io.cwd, file);
  const before = await readClientFile(path);
  const client: ClientConfig = parseClientConfig(path, before, kind);
  const known = new Set(
    ((await fetchJson(`${url}/api/v1/mcp/servers`)) as { servers: ServerView[] }).servers.map(
      (server) => server.name,
    ),
  );
  const gateway = await loadGatewayConfig(resolveConfigPath(values.config, io.cwd), io);
  const force = values.force === true;
  const warnings: string[] = [];
  const connect = chooseConnectCommand(values["connect-command"], io);

  const results: RewrittenServer[] = [];
  let after = before;
  for (const [clientName, entry] of Object.entries(client.servers)) {
    const name = toServerName(clientName);
    if (isGatewayEntry(entry, url)) {
      results.push({ name: clientName, outcome: "unchanged", reason: "already goes through the gateway" });
      continue;
    }
    if (!known.has(name)) {
      const reason = `the gateway at ${url} has no server "${name}"; run corral import ${file} first`;
      results.push({ name: clientName, outcome: "skipped", reason });
      continue;
    }
    const compared = compareWithGateway(name, entry, gateway, io);
    const differences = typeof compared === "string" ? [] : compared;
    const problem =
      typeof compared === "string"
        ? compared
        : compared.length > 0
          ? `differs from the gateway's "${name}" in ${gateway.config.source} (${compared.join(", ")}): a different server of the same name`
          : undefined;
    if (problem !== undefined && !force) {
      warnings.push(`${clientName}: ${problem}; not rewritten (--force rewrites it anyway)`);
      results.push({ name: clientName, outcome: "skipped", reason: problem, differences });
      continue;
    }
    const replacement = gatewayEntry(client.kind, name, url, connect.command, DEFAULT_GATEWAY_URL);
    after = replaceServerEntry(after, [client.serversKey, clientName], replacement);
    if (problem !== undefined) warnings.push(`${clientName}: ${problem}; rewritten because of --force`);
    results.push({
      name: clientName,
      outcome: "rewritten",
      ...(problem === undefined ? {} : { reason: `--force: ${problem}`, differences }),
    });
  }
  const changed = results.some((result) => result.outcome === "rewritten");
  // Only Claude Desktop's entry launches a command; the others get the gateway's URL.
  if (changed && client.kind === "claude" && connect.warning !== undefined) warnings.push(connect.warning);
  const dryRun = values["dry-run"] === true;
  let backup: string | undefined;
  if (changed && !dryRun) backup = await replaceFile(path, after, true);
  // Like an import conflict: the rest is done, but the run did not do all it was asked to.
  const mismatched = results.some(
    (result) => result.outcome === "skipped" && result.differences !== undefined,
  );
  const code = mismatched ? EXIT_FAILURE : EXIT_OK;

  for (const warning of warnings) io.stderr(`warning: ${warning}\n`);
  if (values.json === true) {
    io.stdout(
      `${JSON.stringify({ file: path, client: client.kind, gateway: url, config: gateway.config.source, dryRun, backup: backup ?? null, warnings, servers: results }, null, 2)}\n`,
    );
    return code;
  }
  for (const result of results) {
    io.stdout(
      `${result.outcome.padEnd(10)} ${result.name}${result.reason === undefined ? "" : `: ${result.reason}`}\n`,
    );
  }
  if (!changed) io.stdout(`${path}: nothing to rewrite\n`);
  else if (dryRun) io.stdout(`dry run: ${path} not changed; it would become:\n${diffLines(before, after)}\n`);
  else io.stdout(`rewrote ${path} (${client.kind}); backup: ${backup}\n`);
  return code;
}
