// Keeps the catalog in step with the upstreams: fetches every list (following cursors) when a
// server becomes ready or announces list_changed, and tells which kinds really changed.

import type { Shadowing } from "../config/index.js";
import { describeError } from "../core/index.js";
import type { Logger } from "../observability/index.js";
import { GATEWAY_ERROR, gatewayError, type UpstreamConnection } from "../upstream/index.js";
import { type Catalog, LIST_KINDS, type ListKind, type NamedItem, type ServerLists } from "./catalog.js";
import type { SessionOwner, Upstreams } from "./upstreams.js";

const LIST_METHOD: Readonly<Record<ListKind, string>> = {
  tools: "tools/list",
  prompts: "prompts/list",
  resources: "resources/list",
  resourceTemplates: "resources/templates/list",
};
const CAPABILITY: Readonly<Record<ListKind, string>> = {
  tools: "tools",
  prompts: "prompts",
  resources: "resources",
  resourceTemplates: "resources",
};
const MAX_PAGES = 1_000;
const EMPTY: ServerLists = { tools: [], prompts: [], resources: [], resourceTemplates: [] };

export const LIST_CHANGED_NOTIFICATION: Readonly<Record<ListKind, string>> = {
  tools: "notifications/tools/list_changed",
  prompts: "notifications/prompts/list_changed",
  resources: "notifications/resources/list_changed",
  resourceTemplates: "notifications/resources/list_changed",
};

/** The list kinds a list_changed notification from a server invalidates. */
export function kindsOfListChanged(method: string): ListKind[] {
  if (method === "notifications/tools/list_changed") return ["tools"];
  if (method === "notifications/prompts/list_changed") return ["prompts"];
  if (method === "notifications/resources/list_changed") return ["resources", "resourceTemplates"];
  return [];
}

async function fetchAll(
  connection: UpstreamConnection,
  kind: ListKind,
  timeoutMs: number,
): Promise<NamedItem[]> {
  const items: NamedItem[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const body = await connection.forward(LIST_METHOD[kind], cursor === undefined ? {} : { cursor }, {
      sessionId: "corral:catalog",
      timeoutMs,
      onNotification: () => {},
    });
    if ("error" in body) throw new Error(`${LIST_METHOD[kind]} failed: ${body.error.message}`);
    const result = body.result as Record<string, unknown> & { nextCursor?: unknown };
    const found = result[kind];
    if (Array.isArray(found)) items.push(...(found as NamedItem[]));
    if (typeof result.nextCursor !== "string" || result.nextCursor === "") return items;
    cursor = result.nextCursor;
  }
  return items;
}

/**
 * Fetches the given kinds of lists from one instance (following cursors); a kind that fails keeps
 * its previous items. `changed`: the kinds whose items differ from `previous`.
 */
export async function fetchServerLists(
  connection: UpstreamConnection,
  capabilities: Readonly<Record<string, unknown>>,
  timeoutMs: number,
  kinds: readonly ListKind[],
  previous: ServerLists = EMPTY,
  onError: (kind: ListKind, error: unknown) => void = () => {},
): Promise<{ lists: ServerLists; changed: ListKind[] }> {
  const next: Record<ListKind, readonly NamedItem[]> = { ...previous };
  const changed: ListKind[] = [];
  for (const kind of kinds) {
    if (capabilities[CAPABILITY[kind]] === undefined) {
      next[kind] = [];
    } else {
      try {
        next[kind] = await fetchAll(connection, kind, timeoutMs);
      } catch (error) {
        // Templates are optional even for servers with resources; keep what we had.
        onError(kind, error);
        continue;
      }
    }
    if (JSON.stringify(next[kind]) !== JSON.stringify(previous[kind])) changed.push(kind);
  }
  return { lists: next, changed };
}

/**
 * The session that a per-session server's catalog template runs for: no client, so it answers no
 * server→client request and its notifications go nowhere.
 */
const TEMPLATE_OWNER: SessionOwner = {
  id: "corral:template",
  // Corral itself, on this host: loopback is exempt from the per-address instance share.
  address: "127.0.0.1",
  deliver: () => {},
  ask: (request) =>
    Promise.resolve({
      error: gatewayError(
        GATEWAY_ERROR.unroutable,
        `${request.method} reached the instance corral started only to list this server's catalog; it serves no client`,
        { reason: "catalog-template" },
      ),
    }),
  detachedSince: () => undefined,
  end: () => {},
};

export class CatalogSync {
  readonly #catalog: Catalog;
  readonly #upstreams: Upstreams;
  readonly #logger: Logger;
  readonly #onChanged: (server: string, kinds: ListKind[]) => void;
  readonly #inProgress = new Map<string, Promise<void>>();
  readonly #lists = new Map<string, ServerLists>();
  /** Collisions already logged, so each is reported once. */
  readonly #reported = new Set<string>();
  readonly #shadowing: Shadowing;

  constructor(
    catalog: Catalog,
    upstreams: Upstreams,
    logger: Logger,
    onChanged: (server: string, kinds: ListKind[]) => void,
    shadowing: Shadowing = "refuse",
  ) {
    this.#shadowing = shadowing;
    this.#catalog = catalog;
    this.#upstreams = upstreams;
    this.#logger = logger;
    this.#onChanged = onChanged;
  }

  /** Refetches the given kinds of one server; concurrent calls for the same server share one fetch. */
  refresh(server: string, kinds: readonly ListKind[] = LIST_KINDS): Promise<void> {
    const running = this.#inProgress.get(server);
    const next = (running ?? Promise.resolve()).then(() => this.#refresh(server, kinds));
    const tracked = next.finally(() => {
      if (this.#inProgress.get(server) === tracked) this.#inProgress.delete(server);
    });
    this.#inProgress.set(server, tracked);
    return tracked;
  }

  /** Waits for a refresh under way, if any. */
  settled(server: string): Promise<void> {
    return this.#inProgress.get(server) ?? Promise.resolve();
  }

  /**
   * A per-session server's catalog before a session has its own instance: taken once from an
   * instance that serves no session, then that instance stops (docs/gateway.md). A session's own
   * instance is never read for it: what one session's instance lists is that session's.
   */
  async #refreshTemplate(server: string): Promise<void> {
    if (this.#lists.has(server)) return;
    const config = this.#upstreams.server(server);
    if (config === undefined) return;
    const connected = await this.#upstreams.connect(
      server,
      AbortSignal.timeout(config.startupTimeoutMs),
      TEMPLATE_OWNER,
    );
    if ("error" in connected) {
      this.#logger.warn(
        { server, err: connected.error.message },
        "could not list a per-session server's catalog",
      );
      return;
    }
    try {
      const capabilities = (this.#upstreams.initializeResult(server, TEMPLATE_OWNER)?.capabilities ??
        {}) as Record<string, unknown>;
      const { lists } = await fetchServerLists(
        connected.connection,
        capabilities,
        config.requestTimeoutMs,
        LIST_KINDS,
        EMPTY,
        (kind, error) =>
          this.#logger.warn({ server, kind, err: describeError(error) }, "could not fetch list"),
      );
      this.#lists.set(server, lists);
      this.#catalog.setServer(server, lists);
      this.#reportCollisions();
    } finally {
      void this.#upstreams.releaseSession(TEMPLATE_OWNER.id, "catalog listed");
    }
  }

  async #refresh(server: string, kinds: readonly ListKind[]): Promise<void> {
    const config = this.#upstreams.server(server);
    if (config?.mode === "per-session") return this.#refreshTemplate(server);
    const connection = this.#upstreams.readyConnections(server)[0];
    if (connection === undefined || config === undefined) return;
    const capabilities = (this.#upstreams.initializeResult(server)?.capabilities ?? {}) as Record<
      string,
      unknown
    >;
    const previous = this.#lists.get(server) ?? EMPTY;
    const { lists: next, changed } = await fetchServerLists(
      connection,
      capabilities,
      config.requestTimeoutMs,
      kinds,
      previous,
      (kind, error) => this.#logger.warn({ server, kind, err: describeError(error) }, "could not fetch list"),
    );
    this.#lists.set(server, next);
    this.#catalog.setServer(server, next);
    this.#reportCollisions();
    if (changed.length > 0) this.#onChanged(server, changed);
  }

  #reportCollisions(): void {
    for (const item of this.#catalog.shadowed) {
      const key = `shadow\0${item.kind}\0${item.server}\0${item.name}`;
      if (this.#reported.has(key)) continue;
      this.#reported.add(key);
      const refused = this.#shadowing === "refuse";
      this.#logger.warn(
        { server: item.server, kind: item.kind, name: item.name, by: item.by },
        `name shadowing: ${item.kind} "${item.name}" of ${item.server} collides with ${item.by}'s; ${refused ? "left out of /mcp (gateway.shadowing: refuse)" : "kept (gateway.shadowing: warn)"}`,
      );
    }
    for (const collision of this.#catalog.collisions) {
      const key = `${collision.kind}\0${collision.renamed.server}\0${collision.name}`;
      if (this.#reported.has(key)) continue;
      this.#reported.add(key);
      this.#logger.warn(
        { kept: collision.kept },
        `name collision: ${collision.kind} "${collision.name}" of ${collision.renamed.server} exposed as "${collision.renamed.as}"`,
      );
    }
  }
}
