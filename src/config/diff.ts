// Compares two loaded configs so a reload can touch only what changed: servers by name, each compared
// as a whole (any changed key means the server is restarted), and the gateway section.
import type { CorralConfig } from "./types.js";

export interface ConfigDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
  readonly gatewayChanged: boolean;
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) =>
      Object.hasOwn(b, key) &&
      isDeepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/** Server names added, removed and changed from `before` to `after`, in `after`'s (then `before`'s) order. */
export function diffConfigs(before: CorralConfig, after: CorralConfig): ConfigDiff {
  const old = new Map(before.servers.map((server) => [server.name, server]));
  const names = new Set(after.servers.map((server) => server.name));
  const added: string[] = [];
  const changed: string[] = [];
  for (const server of after.servers) {
    const previous = old.get(server.name);
    if (previous === undefined) added.push(server.name);
    else if (!isDeepEqual(previous, server)) changed.push(server.name);
  }
  const removed = before.servers.filter((server) => !names.has(server.name)).map((server) => server.name);
  return { added, removed, changed, gatewayChanged: !isDeepEqual(before.gateway, after.gateway) };
}
