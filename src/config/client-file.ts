// A client's own MCP file (Claude Desktop, Cursor, Windsurf, Cline, Roo Code, VS Code: all JSON) is read
// as it is: the client's other settings and its per-server keys that mean nothing to Corral are left
// out before the strict schema sees the file, and named in one line. Corral's YAML stays strict.
import type { Finding, PathSegment } from "./document.js";
import { suggestWord } from "./suggest.js";

/** Top-level keys Corral reads; another key close to one of these is a typo, not a client setting. */
const TOP_LEVEL_KEYS = ["$schema", "version", "servers", "mcpServers", "gateway", "inputs", "envFile"];

/**
 * Per-server keys of clients that Corral has no equivalent for. `alwaysAllow` / `autoApprove` approve
 * tools in the client's UI (Roo Code, Windsurf / Cline); `timeout` is seconds in Cline and Roo Code but
 * milliseconds in Gemini CLI, so it is not guessed into requestTimeout; `watchPaths` (Roo Code) and
 * `dev` (VS Code) restart a server the user is developing; `gallery` and `version` (VS Code) record
 * where a server was installed from; `trust` (Gemini CLI) skips confirmations.
 */
export const CLIENT_ONLY_SERVER_KEYS = [
  "alwaysAllow",
  "autoApprove",
  "timeout",
  "watchPaths",
  "dev",
  "gallery",
  "version",
  "trust",
] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A copy of a client file's data keeping what Corral reads: unknown top-level keys and client-only
 * server keys dropped, `transportType` (Cline's older name) read as `type`, and `disabledTools`
 * (Roo Code, Windsurf) as `tools.deny`. `notes` gets one finding naming everything left out.
 */
export function readClientFileData(data: Record<string, unknown>, notes: Finding[]): Record<string, unknown> {
  const dropped: PathSegment[][] = [];
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (TOP_LEVEL_KEYS.includes(key) || suggestWord(key, TOP_LEVEL_KEYS) !== undefined) kept[key] = value;
    else dropped.push([key]);
  }
  for (const serversKey of ["servers", "mcpServers"]) {
    const servers = kept[serversKey];
    if (!isRecord(servers)) continue;
    const copy: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(servers)) {
      copy[name] = isRecord(entry) ? readClientServer(entry, [serversKey, name], dropped) : entry;
    }
    kept[serversKey] = copy;
  }
  if (dropped.length > 0) {
    const [first] = dropped;
    notes.push({
      path: first ?? [],
      target: "key",
      message: `ignored, client-only settings (see docs/config.md): ${dropped.map((path) => path.join(".")).join(", ")}`,
    });
  }
  return kept;
}

function readClientServer(
  entry: Record<string, unknown>,
  path: readonly PathSegment[],
  dropped: PathSegment[][],
): Record<string, unknown> {
  const server: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    if ((CLIENT_ONLY_SERVER_KEYS as readonly string[]).includes(key)) dropped.push([...path, key]);
    else if (key === "transportType" && entry.type === undefined && entry.transport === undefined)
      server.type = value;
    else if (key === "disabledTools" && Array.isArray(value) && entry.tools === undefined)
      server.tools = { deny: value };
    else server[key] = value;
  }
  return server;
}
