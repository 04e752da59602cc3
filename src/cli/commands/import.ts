// `corral import <client-config>`: adds the MCP servers of a Claude Desktop, Cursor, VS Code or
// Windsurf config to corral.yaml. Servers already there with the same definition are left alone;
// ones defined differently are conflicts, reported and not touched (exit 1). The YAML file keeps its
// comments and order, and an existing one is backed up before it changes.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { isMap, parseDocument } from "yaml";
import { replaceFile } from "../backup-write.js";
import {
  CLIENT_KINDS,
  type ClientKind,
  parseClientConfig,
  toCorralServer,
  toServerName,
} from "../client-configs.js";
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError } from "../io.js";
import { diffLines } from "../text-diff.js";

const USAGE =
  "usage: corral import <client-config> [--config corral.yaml] [--client claude|cursor|vscode|windsurf] [--dry-run] [--json]";

type Outcome = "added" | "unchanged" | "conflict";

interface ImportedServer {
  readonly name: string;
  /** The client's own name, when it had to change. */
  readonly from?: string;
  readonly outcome: Outcome;
  readonly notes: readonly string[];
}

/** JSON with object keys sorted, to compare two definitions. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function parseClientOption(value: string | undefined): ClientKind | undefined {
  if (value === undefined) return undefined;
  if (!(CLIENT_KINDS as readonly string[]).includes(value)) {
    throw new UsageError(`--client must be one of ${CLIENT_KINDS.join(", ")}, got "${value}"`);
  }
  return value as ClientKind;
}

export async function readClientFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

export async function runImport(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      config: { type: "string", short: "c" },
      client: { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
    },
    allowPositionals: true,
    strict: true,
  });
  const [source] = positionals;
  if (source === undefined || positionals.length > 1) throw new UsageError(USAGE);
  const kind = parseClientOption(values.client);
  const target = resolve(io.cwd, values.config ?? "corral.yaml");
  if (!/\.ya?ml$/i.test(target))
    throw new UsageError(`--config must name a YAML file (.yaml), got "${target}"`);
  const sourcePath = resolve(io.cwd, source);
  const client = parseClientConfig(sourcePath, await readClientFile(sourcePath), kind);

  const before = existsSync(target) ? await readFile(target, "utf8") : "";
  const document = parseDocument(before.trim() === "" ? "servers:\n" : before);
  if (document.errors.length > 0)
    throw new Error(`${target} is not valid YAML: ${document.errors[0]?.message}`);
  const key = document.has("mcpServers") ? "mcpServers" : "servers";
  if (!isMap(document.get(key))) document.set(key, document.createNode({}));
  // Block style, even where the file wrote an empty `servers: {}`.
  const map = document.get(key);
  if (isMap(map)) map.flow = false;

  const results: ImportedServer[] = [];
  for (const [clientName, entry] of Object.entries(client.servers)) {
    const name = toServerName(clientName);
    const { server, notes } = toCorralServer(name, typeof entry === "object" && entry !== null ? entry : {});
    const existing = document.getIn([key, name]);
    let outcome: Outcome = "added";
    if (existing !== undefined) {
      const current = (existing as { toJSON?: () => unknown }).toJSON?.() ?? existing;
      outcome = canonical(current) === canonical(server) ? "unchanged" : "conflict";
    } else document.setIn([key, name], document.createNode(server));
    results.push({ name, ...(name === clientName ? {} : { from: clientName }), outcome, notes });
  }
  const after = document.toString();
  const changed = after !== before && results.some((result) => result.outcome === "added");
  const dryRun = values["dry-run"] === true;
  // An existing corral.yaml is someone's work: keep a copy before changing it.
  const backup = changed && !dryRun ? await replaceFile(target, after, before !== "") : undefined;

  if (values.json === true) {
    io.stdout(
      `${JSON.stringify({ source: sourcePath, client: client.kind, target, dryRun, written: changed && !dryRun, backup: backup ?? null, servers: results }, null, 2)}\n`,
    );
  } else {
    for (const result of results) {
      const renamed = result.from === undefined ? "" : ` (from "${result.from}")`;
      const what =
        result.outcome === "conflict"
          ? `conflict   ${result.name}${renamed}: ${target} already defines it differently; not imported`
          : `${result.outcome.padEnd(10)} ${result.name}${renamed}`;
      io.stdout(`${what}\n`);
      for (const note of result.notes) io.stdout(`           note: ${note}\n`);
    }
    if (dryRun)
      io.stdout(
        `dry run: ${target} not changed${changed ? `; it would become:\n${diffLines(before, after)}` : ""}\n`,
      );
    else if (changed) {
      const kept = backup === undefined ? "" : ` (the old one is in ${backup})`;
      io.stdout(`wrote ${target}${kept}; check it with corral validate ${target}\n`);
    } else io.stdout(`${target}: nothing to add\n`);
  }
  return results.some((result) => result.outcome === "conflict") ? EXIT_FAILURE : EXIT_OK;
}
