// Name shadowing on /mcp: one server's tool or prompt taking a name that is another's, and one
// server's resource templates claiming URIs another server serves. With `gateway.shadowing: refuse`
// (the default) the shadowing item is left out of the catalog and reported (docs/gateway.md).

import type { ServerConfig, Shadowing } from "../config/index.js";
import type { ServerLists } from "./catalog.js";

export type { Shadowing };

/** One item left out of /mcp because it would shadow (or be shadowed by) another server's. */
export interface Shadowed {
  readonly kind: "tools" | "prompts" | "resources" | "resourceTemplates";
  /** The server whose item is left out. */
  readonly server: string;
  /** Its name (tools, prompts) or URI / URI template (resources, templates). */
  readonly name: string;
  /** The server whose item it collides with. */
  readonly by: string;
}

/**
 * Which of two servers whose tools or prompts get the same exposed name loses it: one without a
 * prefix (it took a name of another's namespace), else the later one in the config.
 */
export function pickShadowing(
  earlier: Pick<ServerConfig, "prefix">,
  later: Pick<ServerConfig, "prefix">,
): "earlier" | "later" {
  return earlier.prefix === false && later.prefix !== false ? "earlier" : "later";
}

/** The literal text before the first expression and after the last one (RFC 6570). */
function literalEnds(template: string): { head: string; tail: string } | undefined {
  const open = template.indexOf("{");
  if (open === -1) return undefined;
  const close = template.lastIndexOf("}");
  return { head: template.slice(0, open), tail: close === -1 ? "" : template.slice(close + 1) };
}

const compatible = (a: string, b: string, at: "start" | "end") =>
  at === "start" ? a.startsWith(b) || b.startsWith(a) : a.endsWith(b) || b.endsWith(a);

/**
 * True when some URI could match both templates (or a template and a URI). Conservative: it looks at
 * the literal text around the expressions only, so it may say yes for templates that never meet, but
 * never no for ones that do. Linear in the lengths, whatever a server sends.
 */
export function couldOverlap(a: string, b: string): boolean {
  const endsA = literalEnds(a);
  const endsB = literalEnds(b);
  if (endsA === undefined && endsB === undefined) return a === b;
  if (endsA === undefined || endsB === undefined) {
    const uri = endsA === undefined ? a : b;
    const ends = (endsA ?? endsB) as { head: string; tail: string };
    return (
      uri.length >= ends.head.length + ends.tail.length &&
      uri.startsWith(ends.head) &&
      uri.endsWith(ends.tail)
    );
  }
  return compatible(endsA.head, endsB.head, "start") && compatible(endsA.tail, endsB.tail, "end");
}

/**
 * Resources and templates whose URIs two servers would claim on /mcp. A resource URI listed by two
 * servers stays the first one's. Two templates that may match one URI are both left out: the read
 * would go to whichever server comes first, so a server listed early could take the URIs of one
 * listed later, and neither keeps them (a listed resource is never captured: exact URIs route first).
 */
export function findUriShadowing(
  servers: readonly ServerConfig[],
  listsOf: (server: string) => ServerLists | undefined,
): Shadowed[] {
  const shadowed: Shadowed[] = [];
  const listedBy = new Map<string, string>();
  const templates: { readonly server: string; readonly template: string }[] = [];
  for (const server of servers) {
    const lists = listsOf(server.name);
    if (lists === undefined) continue;
    for (const item of lists.resources) {
      const uri = String(item.uri ?? "");
      const owner = listedBy.get(uri);
      if (owner === undefined) listedBy.set(uri, server.name);
      else if (owner !== server.name)
        shadowed.push({ kind: "resources", server: server.name, name: uri, by: owner });
    }
    for (const item of lists.resourceTemplates)
      templates.push({ server: server.name, template: String(item.uriTemplate ?? "") });
  }
  const refused = new Set<number>();
  templates.forEach((a, i) => {
    for (let j = i + 1; j < templates.length; j += 1) {
      const b = templates[j] as (typeof templates)[number];
      if (a.server === b.server || !couldOverlap(a.template, b.template)) continue;
      for (const [index, it, other] of [
        [i, a, b],
        [j, b, a],
      ] as const) {
        if (refused.has(index)) continue;
        refused.add(index);
        shadowed.push({ kind: "resourceTemplates", server: it.server, name: it.template, by: other.server });
      }
    }
  });
  return shadowed;
}
