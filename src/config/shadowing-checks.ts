// What the config alone says about name shadowing on /mcp: servers that share a namespace (the same
// prefix, or no prefix at all) will shadow each other's tools as soon as both have a tool of the same
// name. Under `gateway.shadowing: refuse` (the default) such a config is rejected (docs/gateway.md).
import type { z } from "zod";
import { isMap } from "./schema-values.js";

interface FileShape {
  readonly servers?: unknown;
  readonly mcpServers?: unknown;
  readonly gateway?: { readonly shadowing?: unknown } | undefined;
}

/** The namespace a server's names go in on /mcp: its prefix, its name by default, "" without one. */
function namespaceOf(name: string, server: unknown): string {
  const prefix = isMap(server) ? (server as { prefix?: unknown }).prefix : undefined;
  if (prefix === false) return "";
  return typeof prefix === "string" ? prefix : name;
}

export function checkSharedNamespaces(file: FileShape, ctx: z.RefinementCtx): void {
  if (file.gateway?.shadowing === "warn") return;
  const key = isMap(file.servers) ? "servers" : isMap(file.mcpServers) ? "mcpServers" : undefined;
  if (key === undefined) return;
  const servers = file[key] as Record<string, unknown>;
  const owners = new Map<string, string>();
  for (const [name, server] of Object.entries(servers)) {
    if (isMap(server) && (server as { disabled?: unknown }).disabled === true) continue;
    const namespace = namespaceOf(name, server);
    const owner = owners.get(namespace);
    if (owner === undefined) {
      owners.set(namespace, name);
      continue;
    }
    const shared =
      namespace === "" ? "both have prefix: false" : `both use the prefix ${JSON.stringify(namespace)}`;
    ctx.addIssue({
      code: "custom",
      path: [key, name, "prefix"],
      message: `servers "${owner}" and "${name}" ${shared}, so a tool or prompt of one would shadow the other's on /mcp; give "${name}" its own prefix, or set gateway.shadowing: warn to accept it`,
    });
  }
}
