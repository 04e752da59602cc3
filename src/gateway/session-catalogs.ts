// What one /mcp session sees of per-session servers: the lists of its own instances, in place of
// the server's catalog template, merged with every shared server's lists into a catalog of its own.
// Sessions without an instance of their own use the gateway's catalog unchanged.

import type { ServerConfig, Shadowing } from "../config/index.js";
import type { UpstreamConnection } from "../upstream/index.js";
import { Catalog, LIST_KINDS, type ListKind, type ServerLists } from "./catalog.js";
import { fetchServerLists } from "./catalog-sync.js";

interface OwnLists {
  /** The instance the lists came from: a new instance (after an idle stop) lists again. */
  readonly connection: UpstreamConnection;
  readonly lists: ServerLists;
}

interface SessionView {
  readonly own: Map<string, OwnLists>;
  built: { readonly catalog: Catalog; readonly version: number } | undefined;
}

export class SessionCatalogs {
  readonly #global: Catalog;
  readonly #servers: readonly ServerConfig[];
  readonly #separator: string;
  readonly #shadowing: Shadowing;
  readonly #views = new Map<string, SessionView>();

  constructor(global: Catalog, servers: readonly ServerConfig[], separator: string, shadowing: Shadowing) {
    this.#global = global;
    this.#servers = servers;
    this.#separator = separator;
    this.#shadowing = shadowing;
  }

  /** The catalog a session sees: the gateway's, with its own instances' lists where it has them. */
  catalogFor(sessionId: string): Catalog {
    const view = this.#views.get(sessionId);
    if (view === undefined || view.own.size === 0) return this.#global;
    if (view.built?.version === this.#global.version) return view.built.catalog;
    const catalog = new Catalog(this.#servers, this.#separator, this.#shadowing);
    for (const server of this.#servers) {
      const lists = view.own.get(server.name)?.lists ?? this.#global.listsOf(server.name);
      if (lists !== undefined) catalog.setServer(server.name, lists);
    }
    view.built = { catalog, version: this.#global.version };
    return catalog;
  }

  /** True when the session's lists of `server` came from `connection` (its instance now). */
  isCurrent(sessionId: string, server: string, connection: UpstreamConnection): boolean {
    return this.#views.get(sessionId)?.own.get(server)?.connection === connection;
  }

  /** Lists the session's own instance of a per-session server; resolves with the kinds that changed. */
  async refresh(
    sessionId: string,
    server: ServerConfig,
    connection: UpstreamConnection,
    capabilities: Readonly<Record<string, unknown>>,
    kinds: readonly ListKind[] = LIST_KINDS,
  ): Promise<ListKind[]> {
    const previous =
      this.#views.get(sessionId)?.own.get(server.name)?.lists ?? this.#global.listsOf(server.name);
    const { lists, changed } = await fetchServerLists(
      connection,
      capabilities,
      server.requestTimeoutMs,
      kinds,
      previous,
    );
    let view = this.#views.get(sessionId);
    if (view === undefined) {
      view = { own: new Map(), built: undefined };
      this.#views.set(sessionId, view);
    }
    view.own.set(server.name, { connection, lists });
    view.built = undefined;
    return changed;
  }

  forget(sessionId: string): void {
    this.#views.delete(sessionId);
  }
}
