// `corral import <client-config>`: adds the MCP servers of a Claude Desktop, Cursor, VS Code or
// Windsurf config to corral.yaml. Servers already there with the same definition are left alone;
// ones defined differently are conflicts, reported and not touched (exit 1). The YAML file keeps its
// comments and order, and an existing one is backed up before it changes. Secrets (env values and
// headers named like credentials) go to the envFile beside it, mode 0600, and the YAML refers to them.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
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
import { SecretStore, writeSecrets } from "../import-secrets.js";
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError } from "../io.js";
import { diffLines } from "../text-diff.js";

const USAGE =
  "usage: corral import <client-config> [--config corral.yaml] [--client claude|cursor|vscode|windsurf] [--dry-run] [--json]";

type Outcome = "added" | "unchanged" | "conflict";

const DEFAULT_ENV_FILE = "corral.env";

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

/**
 * Whether a config (file form) still holds a literal that may be secret: an env or header value that
 * is not a ${VAR} reference, or a URL with userinfo or a query. A new file that does is made 0600.
 */
function holdsLiteralSecrets(data: unknown): boolean {
  const root = (data ?? {}) as Record<string, unknown>;
  const servers = (root.mcpServers ?? root.servers ?? {}) as Record<string, unknown>;
  const literal = (value: unknown) =>
    typeof value === "string" && !value.replaceAll("$${", "").includes("${");
  return Object.values(servers).some((entry) => {
    const server = (entry ?? {}) as Record<string, unknown>;
    const values = [server.env, server.headers].flatMap((record) =>
      typeof record === "object" && record !== null ? Object.values(record) : [],
    );
    const url = server.url ?? server.serverUrl;
    return values.some(literal) || (typeof url === "string" && literal(url) && urlHoldsSecrets(url));
  });
}

function urlHoldsSecrets(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== "" || parsed.password !== "" || parsed.search !== "";
  } catch {
    return false;
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

  // Secrets go to the config's envFile (its own, or corral.env beside it), never into the YAML.
  const declared = document.get("envFile");
  const envFile = typeof declared === "string" && declared !== "" ? declared : DEFAULT_ENV_FILE;
  const envPath = resolve(dirname(target), envFile);
  const secrets = await SecretStore.open(envPath);

  const results: ImportedServer[] = [];
  for (const [clientName, entry] of Object.entries(client.servers)) {
    const name = toServerName(clientName);
    const converted = toCorralServer(name, typeof entry === "object" && entry !== null ? entry : {});
    const { server, moved, commit } = secrets.extract(name, converted.server);
    const existing = document.getIn([key, name]);
    let outcome: Outcome = "added";
    if (existing !== undefined) {
      const current = (existing as { toJSON?: () => unknown }).toJSON?.() ?? existing;
      outcome = canonical(current) === canonical(server) ? "unchanged" : "conflict";
    } else {
      document.setIn([key, name], document.createNode(server));
      commit();
    }
    const notes = [...converted.notes];
    if (outcome === "added") {
      for (const secret of moved)
        notes.push(`${secret.from} is a secret: kept in ${envFile} as \${${secret.variable}}`);
    }
    results.push({ name, ...(name === clientName ? {} : { from: clientName }), outcome, notes });
  }
  const added = secrets.added;
  if (added.size > 0 && declared === undefined) {
    const pair = document.createPair("envFile", envFile);
    pair.key = document.createNode("envFile");
    (pair.key as { commentBefore?: string }).commentBefore =
      ` Values for \${VAR} references (secrets: mode 0600, keep it out of version control).`;
    const root = document.contents;
    if (isMap(root)) root.items.unshift(pair as (typeof root.items)[number]);
  }
  const after = document.toString();
  const changed = after !== before && results.some((result) => result.outcome === "added");
  const dryRun = values["dry-run"] === true;
  // The secrets first: a corral.yaml that refers to them must not exist without them.
  if (changed && !dryRun && added.size > 0) await writeSecrets(envPath, added);
  // An existing corral.yaml is someone's work: keep a copy before changing it.
  const backup =
    changed && !dryRun
      ? await replaceFile(target, after, before !== "", {
          holdsSecrets: holdsLiteralSecrets(document.toJS()),
        })
      : undefined;
  const secretNames = [...added.keys()];

  if (values.json === true) {
    io.stdout(
      `${JSON.stringify({ source: sourcePath, client: client.kind, target, envFile: secretNames.length > 0 ? envPath : null, secrets: secretNames, dryRun, written: changed && !dryRun, backup: backup ?? null, servers: results }, null, 2)}\n`,
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
    if (secretNames.length > 0) {
      const verb = dryRun ? "would go" : "went";
      io.stdout(`secrets ${secretNames.join(", ")} ${verb} to ${envPath} (mode 0600; values not shown)\n`);
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
