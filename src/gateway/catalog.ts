// The aggregated catalog: each server's tools, prompts, resources and resource templates under the
// names clients see, and the way back from such a name (or a resource URI) to the server and its own
// name. Collisions are resolved deterministically (config order wins) and reported, never dropped.

import type { ServerConfig } from "../config/index.js";
import { fitName, qualifyName } from "./names.js";
import { findUriShadowing, pickShadowing, type Shadowed, type Shadowing } from "./shadowing.js";
import { matchesUriTemplate } from "./uri-template.js";

export { matchesUriTemplate } from "./uri-template.js";

export const LIST_KINDS = ["tools", "prompts", "resources", "resourceTemplates"] as const;
export type ListKind = (typeof LIST_KINDS)[number];

export interface NamedItem {
  readonly name: string;
  readonly [key: string]: unknown;
}

export type ServerLists = { readonly [K in ListKind]: readonly NamedItem[] };

export interface CatalogEntry {
  readonly server: string;
  /** The server's own name of the item. */
  readonly original: string;
  /** The item as clients see it (name rewritten). */
  readonly item: NamedItem;
}

export interface Collision {
  readonly kind: ListKind;
  readonly name: string;
  readonly kept: string;
  readonly renamed: { readonly server: string; readonly as: string };
}

interface BuiltCatalog {
  readonly entries: Map<ListKind, Map<string, CatalogEntry>>;
  readonly collisions: Collision[];
  /** Items left out as shadowing (refuse), or only reported (warn). */
  readonly shadowed: Shadowed[];
  /** `${server}\0${uri or template}` of resources and templates left out. */
  readonly refusedUris: Set<string>;
}

export function isToolExposed(server: Pick<ServerConfig, "tools">, tool: string): boolean {
  if (server.tools.deny.includes(tool)) return false;
  return server.tools.allow === undefined || server.tools.allow.includes(tool);
}

export class Catalog {
  readonly #servers: readonly ServerConfig[];
  readonly #separator: string;
  readonly #shadowing: Shadowing;
  readonly #lists = new Map<string, ServerLists>();
  #built: BuiltCatalog | undefined;
  /** Bumped on every change, so catalogs derived from this one know when to rebuild. */
  version = 0;

  constructor(servers: readonly ServerConfig[], separator: string, shadowing: Shadowing = "warn") {
    this.#servers = servers;
    this.#separator = separator;
    this.#shadowing = shadowing;
  }

  setServer(server: string, lists: ServerLists): void {
    this.#lists.set(server, lists);
    this.#built = undefined;
    this.version += 1;
  }

  listsOf(server: string): ServerLists | undefined {
    return this.#lists.get(server);
  }

  hasServer(server: string): boolean {
    return this.#lists.has(server);
  }

  removeServer(server: string): void {
    this.#lists.delete(server);
    this.#built = undefined;
    this.version += 1;
  }

  /** Exposed items of one kind, in config order, restricted to servers in `scope` when given. */
  list(kind: ListKind, scope?: ReadonlySet<string>): NamedItem[] {
    const items: NamedItem[] = [];
    for (const entry of this.#build().entries.get(kind)?.values() ?? []) {
      if (scope === undefined || scope.has(entry.server)) items.push(entry.item);
    }
    return items;
  }

  resolve(kind: ListKind, exposedName: string): CatalogEntry | undefined {
    return this.#build().entries.get(kind)?.get(exposedName);
  }

  /** The server whose resources list this exact URI, or whose template matches it. */
  resolveResourceUri(uri: string, scope?: ReadonlySet<string>): string | undefined {
    const { refusedUris } = this.#build();
    const inScope = (server: string) =>
      (scope === undefined || scope.has(server)) && !refusedUris.has(`${server}\0${uri}`);
    for (const config of this.#servers) {
      const lists = this.#lists.get(config.name);
      if (lists !== undefined && inScope(config.name) && lists.resources.some((item) => item.uri === uri))
        return config.name;
    }
    for (const config of this.#servers) {
      const lists = this.#lists.get(config.name);
      if (lists === undefined || !inScope(config.name)) continue;
      const claims = (item: NamedItem) => !refusedUris.has(`${config.name}\0${String(item.uriTemplate)}`);
      if (
        lists.resourceTemplates.some(
          (item) => claims(item) && matchesUriTemplate(String(item.uriTemplate ?? ""), uri),
        )
      )
        return config.name;
    }
    return undefined;
  }

  get collisions(): readonly Collision[] {
    return this.#build().collisions;
  }

  get shadowed(): readonly Shadowed[] {
    return this.#build().shadowed;
  }

  #build(): BuiltCatalog {
    if (this.#built !== undefined) return this.#built;
    const entries = new Map<ListKind, Map<string, CatalogEntry>>();
    const collisions: Collision[] = [];
    const refuse = this.#shadowing === "refuse";
    const shadowed = findUriShadowing(this.#servers, (server) => this.#lists.get(server));
    const refusedUris = new Set(refuse ? shadowed.map((item) => `${item.server}\0${item.name}`) : []);
    for (const kind of LIST_KINDS) {
      const byName = new Map<string, CatalogEntry>();
      for (const server of this.#servers) {
        for (const item of this.#lists.get(server.name)?.[kind] ?? []) {
          if (kind === "tools" && !isToolExposed(server, item.name)) continue;
          const uri =
            kind === "resources" ? item.uri : kind === "resourceTemplates" ? item.uriTemplate : undefined;
          if (uri !== undefined && refusedUris.has(`${server.name}\0${String(uri)}`)) continue;
          let exposed = qualifyName(server.prefix, this.#separator, item.name);
          const taken = byName.get(exposed);
          if (taken !== undefined && refuse && (kind === "tools" || kind === "prompts")) {
            // The name is one server's only: the one that took another's namespace, else the later, is out.
            const earlier = this.#servers.find((config) => config.name === taken.server) ?? server;
            if (pickShadowing(earlier, server) === "later") {
              shadowed.push({ kind, server: server.name, name: item.name, by: taken.server });
              continue;
            }
            shadowed.push({ kind, server: taken.server, name: taken.original, by: server.name });
          } else if (taken !== undefined) {
            // Config order wins; the later one is renamed with its server's name, always the same way.
            const renamed = fitName(`${server.name}${this.#separator}${item.name}`);
            exposed = byName.has(renamed)
              ? fitName(`${server.name}${this.#separator}${item.name}${this.#separator}${byName.size}`)
              : renamed;
            collisions.push({
              kind,
              name: item.name,
              kept: taken.server,
              renamed: { server: server.name, as: exposed },
            });
          }
          byName.set(exposed, { server: server.name, original: item.name, item: { ...item, name: exposed } });
        }
      }
      entries.set(kind, byName);
    }
    this.#built = { entries, collisions, shadowed, refusedUris };
    return this.#built;
  }
}
