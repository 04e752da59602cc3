// A server's runtime config as the REST API shows it, with secrets redacted: every env and header
// value, credentials in a URL, and any other value that came from a `${…}` reference in the file
// (the runtime form no longer says which did, so the file's raw text is read once to find them).

import { readFile } from "node:fs/promises";
import type { ServerConfig } from "../config/runtime.js";
import { stripJsonComments } from "../config/runtime.js";

export const REDACTED = "***";

/** Per server, the dotted paths (`args.1`, `url`) whose raw value holds a `${…}` reference. */
export type DerivedPaths = ReadonlyMap<string, ReadonlySet<string>> | "unknown";

function hasReference(text: string): boolean {
  return text.replaceAll("$${", "").includes("${");
}

function collect(value: unknown, path: string, into: Set<string>): void {
  if (typeof value === "string") {
    if (hasReference(value)) into.add(path);
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries())
      collect(item, path === "" ? String(index) : `${path}.${index}`, into);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value))
      collect(item, path === "" ? key : `${path}.${key}`, into);
  }
}

/** Reads the config file's raw text; "unknown" (redact every string) when it cannot be read or parsed. */
export async function readDerivedPaths(source: string | undefined): Promise<DerivedPaths> {
  if (source === undefined) return "unknown";
  try {
    // yaml is loaded on the first config view only: an idle gateway does not need it (2 MiB resident).
    const { parse } = await import("yaml");
    const text = (await readFile(source, "utf8")).replace(/^\uFEFF/, "");
    const data = parse(/\.jsonc?$/i.test(source) ? stripJsonComments(text) : text) as Record<string, unknown>;
    const servers = (data?.mcpServers ?? data?.servers ?? {}) as Record<string, unknown>;
    const paths = new Map<string, Set<string>>();
    for (const [name, entry] of Object.entries(servers)) {
      const found = new Set<string>();
      collect(entry, "", found);
      paths.set(name, found);
    }
    return paths;
  } catch {
    return "unknown";
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "" && parsed.username === "") return url;
    parsed.username = REDACTED;
    parsed.password = "";
    return parsed.toString();
  } catch {
    return url;
  }
}

const redactValues = (record: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.keys(record).map((key) => [key, REDACTED]));

export function viewServerConfig(server: ServerConfig, derived: DerivedPaths): Record<string, unknown> {
  const own = derived === "unknown" ? undefined : (derived.get(server.name) ?? new Set<string>());
  const isDerived = (path: string) => own === undefined || own.has(path);
  const pick = (path: string, value: string | undefined) =>
    value === undefined ? undefined : isDerived(path) ? REDACTED : value;
  const url = pick("url", server.url);
  return {
    ...server,
    command: pick("command", server.command),
    args: server.args.map((arg, index) => (isDerived(`args.${index}`) ? REDACTED : arg)),
    cwd: pick("cwd", server.cwd),
    ...(server.container === undefined
      ? {}
      : { container: { ...server.container, image: pick("image", server.container.image) } }),
    url: url === undefined || url === REDACTED ? url : redactUrl(url),
    env: redactValues(server.env),
    headers: redactValues(server.headers),
  };
}
