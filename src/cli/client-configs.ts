// The MCP config files of Claude Desktop, Cursor, VS Code and Windsurf, as their public documentation
// describes them: which client a file belongs to, its server entries, each entry as a Corral server
// (for `corral import`), and the entry that points the client at the gateway (for `corral clients
// rewrite`): its HTTP URL where the client's file supports one, else `corral connect`.

import { basename } from "node:path";
import { parse } from "yaml";
import { stripJsonComments } from "../config/index.js";

export const CLIENT_KINDS = ["claude", "cursor", "vscode", "windsurf"] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export interface ClientConfig {
  readonly kind: ClientKind;
  /** The whole document, other keys included. */
  readonly document: Record<string, unknown>;
  /** `servers` (VS Code) or `mcpServers` (the others). */
  readonly serversKey: "servers" | "mcpServers";
  readonly servers: Readonly<Record<string, Record<string, unknown>>>;
}

const SERVER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/;

/** Which client a file belongs to: by its path, else by its content. */
export function detectClient(path: string, document: Record<string, unknown>): ClientKind {
  const normalised = path.replaceAll("\\", "/").toLowerCase();
  if (basename(normalised) === "claude_desktop_config.json") return "claude";
  if (normalised.includes("/.cursor/")) return "cursor";
  if (normalised.includes("/.vscode/") || normalised.includes("/code/user/")) return "vscode";
  if (normalised.includes("windsurf") || basename(normalised) === "mcp_config.json") return "windsurf";
  if (document.servers !== undefined && document.mcpServers === undefined) return "vscode";
  const entries = Object.values((document.mcpServers ?? {}) as Record<string, Record<string, unknown>>);
  if (entries.some((entry) => typeof entry?.serverUrl === "string")) return "windsurf";
  return "claude";
}

/** Parses a client's config text; throws an Error whose message says what is wrong. */
export function parseClientConfig(path: string, text: string, kind?: ClientKind): ClientConfig {
  let data: unknown;
  try {
    data = parse(stripJsonComments(text.replace(/^\uFEFF/, "")));
  } catch (error) {
    throw new Error(`${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new Error(`${path}: expected a JSON object with "mcpServers" (or "servers" for VS Code)`);
  }
  const document = data as Record<string, unknown>;
  const client = kind ?? detectClient(path, document);
  const serversKey = client === "vscode" ? "servers" : "mcpServers";
  const servers = document[serversKey] ?? {};
  if (typeof servers !== "object" || servers === null || Array.isArray(servers)) {
    throw new Error(`${path}: "${serversKey}" must be an object of servers`);
  }
  return { kind: client, document, serversKey, servers: servers as Record<string, Record<string, unknown>> };
}

/** A Corral server name for a client's name: invalid characters become `-`. */
export function toServerName(name: string): string {
  if (SERVER_NAME.test(name)) return name;
  const cleaned = name
    .replace(/[^a-zA-Z0-9_-]+/g, "-")
    .replace(/^[^a-zA-Z0-9]+/, "")
    .slice(0, 64);
  return cleaned === "" ? "server" : cleaned;
}

const COPIED = ["command", "args", "env", "envFile", "cwd", "url", "headers", "disabled"] as const;

function convertValue(value: unknown, notes: string[], where: string): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{([^}]*)\}/g, (whole, expression: string) => {
      if (expression.startsWith("env:")) return `\${${expression.slice(4)}}`;
      if (expression.startsWith("input:")) {
        const name = expression
          .slice(6)
          .toUpperCase()
          .replace(/[^A-Z0-9_]/g, "_");
        notes.push(
          `${where}: VS Code input "${expression.slice(6)}" became \${${name}}; export ${name} before corral up`,
        );
        return `\${${name}}`;
      }
      if (["workspaceFolder", "userHome", "workspaceFolderBasename", "cwd"].includes(expression)) {
        notes.push(`${where}: ${whole} is the client's own variable; replace it with a path`);
      }
      return whole;
    });
  }
  if (Array.isArray(value))
    return value.map((item, index) => convertValue(item, notes, `${where}[${index}]`));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, convertValue(item, notes, `${where}.${key}`)]),
    );
  }
  return value;
}

/** One client entry as a Corral server entry (file form), with notes on what changed or was dropped. */
export function toCorralServer(
  name: string,
  entry: Record<string, unknown>,
): { server: Record<string, unknown>; notes: string[] } {
  const notes: string[] = [];
  const server: Record<string, unknown> = {};
  const type = entry.type ?? entry.transport;
  if (type === "http" || type === "streamable-http" || type === "streamableHttp") server.transport = "http";
  else if (type === "sse") server.transport = "sse";
  for (const key of COPIED) {
    if (entry[key] !== undefined) server[key] = convertValue(entry[key], notes, `${name}.${key}`);
  }
  if (typeof entry.serverUrl === "string" && server.url === undefined) {
    server.url = convertValue(entry.serverUrl, notes, `${name}.serverUrl`);
  }
  if (server.url !== undefined && server.transport === undefined && String(server.url).endsWith("/sse")) {
    server.transport = "sse";
  }
  const dropped = Object.keys(entry).filter(
    (key) =>
      !(COPIED as readonly string[]).includes(key) && !["type", "transport", "serverUrl"].includes(key),
  );
  if (dropped.length > 0) notes.push(`${name}: not imported (client-only settings): ${dropped.join(", ")}`);
  return { server, notes };
}

/** Whether an entry already goes through the gateway at `gatewayUrl`. */
export function isGatewayEntry(entry: Record<string, unknown>, gatewayUrl: string): boolean {
  const url = entry.url ?? entry.serverUrl;
  if (typeof url === "string" && url.startsWith(`${gatewayUrl}/`)) return true;
  const args = Array.isArray(entry.args) ? entry.args.map(String) : [];
  const launchesCorral =
    /corral/.test(String(entry.command ?? "")) || args.some((arg) => /(^|[/\\])corral(\.js)?$/.test(arg));
  return launchesCorral && args.includes("connect");
}

/** The entry that makes `kind` reach server `name` through the gateway. */
export function gatewayEntry(
  kind: ClientKind,
  name: string,
  gatewayUrl: string,
  connectCommand: readonly string[],
  defaultUrl: string,
): Record<string, unknown> {
  const url = `${gatewayUrl}/servers/${encodeURIComponent(name)}/mcp`;
  switch (kind) {
    case "cursor":
      return { url };
    case "vscode":
      return { type: "http", url };
    case "windsurf":
      return { serverUrl: url };
    case "claude": {
      // Claude Desktop's file only launches stdio servers.
      const [command = "corral", ...prefix] = connectCommand;
      const urlArgs = gatewayUrl === defaultUrl ? [] : ["--url", gatewayUrl];
      return { command, args: [...prefix, "connect", name, ...urlArgs] };
    }
  }
}
