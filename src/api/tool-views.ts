// Tools as the REST API shows them: the server, the server's own name (what /execute and
// /servers/<name>/mcp take) and the exposed name on /mcp (`server__tool`), with schema and description.

import type { Gateway } from "../gateway/index.js";

export interface ToolView {
  readonly server: string;
  /** The server's own name of the tool. */
  readonly name: string;
  /** The name on the aggregate endpoint /mcp (prefixed, or renamed after a collision). */
  readonly exposedName: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema: unknown;
  readonly outputSchema?: unknown;
  readonly annotations?: unknown;
}

function optional(key: string, value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { [key]: value };
}

/** Exposed tools from the catalog, in config order, for the given servers (all when omitted). */
export function viewTools(gateway: Gateway, servers?: ReadonlySet<string>): ToolView[] {
  const views: ToolView[] = [];
  for (const item of gateway.catalog.list("tools", servers)) {
    const entry = gateway.catalog.resolve("tools", item.name);
    if (entry === undefined) continue;
    views.push({
      server: entry.server,
      name: entry.original,
      exposedName: item.name,
      ...optional("title", item.title),
      ...optional("description", item.description),
      inputSchema: item.inputSchema ?? { type: "object" },
      ...optional("outputSchema", item.outputSchema),
      ...optional("annotations", item.annotations),
    } as ToolView);
  }
  return views;
}
