// The gateway: client sessions on one side, upstream connections on the other. It answers what it
// can itself (initialize, ping, the aggregated lists), routes the rest by name or URI to one
// upstream, and fans notifications out to the sessions that want them.

import type { CorralConfig, InstanceMode } from "../config/index.js";
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, RequestBytes } from "../core/index.js";
import type { Logger } from "../observability/index.js";
import type { Supervisor } from "../supervisor/index.js";
import { type Answer, GATEWAY_ERROR, gatewayError } from "../upstream/index.js";
import { Catalog, type ListKind } from "./catalog.js";
import { CatalogSync, kindsOfListChanged, LIST_CHANGED_NOTIFICATION } from "./catalog-sync.js";
import { negotiateProtocolVersion } from "./protocol.js";
import { QuotaGuard } from "./quotas.js";
import { routeAggregateRequest } from "./route-aggregate.js";
import { type RequestStream, wantsNotification } from "./route-context.js";
import { routeServerRequest } from "./route-server.js";
import { ClientSession, type SessionScope } from "./session.js";
import { SessionCatalogs } from "./session-catalogs.js";
import { type SessionOwner, Upstreams } from "./upstreams.js";

export interface GatewayOptions {
  readonly config: CorralConfig;
  readonly supervisor: Supervisor;
  readonly logger: Logger;
  readonly version: string;
}

export type InitializeOutcome =
  | { readonly session: ClientSession; readonly result: Record<string, unknown> }
  | { readonly error: ReturnType<typeof gatewayError> };

/** How long a client gets to answer a server→client request made outside any request of its own. */
const SERVER_REQUEST_TIMEOUT_MS = 60_000;
/** How long such a request waits for the client to open its GET stream (right after initialize). */
const OUTBOUND_WAIT_MS = 10_000;

/** Client capabilities Corral can route to a client, declared in a per-session instance's initialize. */
export const ROUTABLE_CLIENT_CAPABILITIES = {
  sampling: {},
  elicitation: {},
  roots: { listChanged: true },
} as const;

/**
 * What an instance's upstream initialize declares. Sampling and elicitation arrive during a client's
 * request, so they can be routed on a shared instance too. Roots cannot: servers ask `roots/list` right
 * after `initialized`, when no client's request is in flight, and a shared process serves many clients
 * with different roots (the filesystem server would replace its allowed folders with one client's).
 * So only a per-session instance, whose one client can answer, declares roots. (docs/gateway.md)
 */
export function routableClientCapabilities(mode: InstanceMode): Readonly<Record<string, unknown>> {
  if (mode === "per-session") return ROUTABLE_CLIENT_CAPABILITIES;
  const { roots: _roots, ...shared } = ROUTABLE_CLIENT_CAPABILITIES;
  return shared;
}

export class Gateway {
  readonly upstreams: Upstreams;
  readonly quotas: QuotaGuard;
  readonly catalog: Catalog;
  readonly #sync: CatalogSync;
  readonly #ownCatalogs: SessionCatalogs;
  readonly #options: GatewayOptions;
  readonly #sessions = new Map<string, ClientSession>();
  /** Sessions per client address, for gateway.quotas.sessionsPerAddress. */
  readonly #sessionsByAddress = new Map<string, Set<ClientSession>>();
  readonly #owners = new WeakMap<ClientSession, SessionOwner>();
  readonly #unsubscribe: () => void;
  readonly #sweeper: NodeJS.Timeout;
  #draining = false;

  constructor(options: GatewayOptions) {
    this.#options = options;
    const { config, supervisor, logger } = options;
    this.quotas = new QuotaGuard(config.gateway.quotas, logger);
    const { separator, shadowing } = config.gateway;
    this.catalog = new Catalog(config.servers, separator, shadowing);
    this.#ownCatalogs = new SessionCatalogs(this.catalog, config.servers, separator, shadowing);
    this.upstreams = new Upstreams(
      config,
      supervisor,
      (server, notification) => this.#onUpstreamNotification(server, notification),
      this.quotas,
    );
    this.#sync = new CatalogSync(
      this.catalog,
      this.upstreams,
      logger,
      (server, kinds) => this.#announceListChanged(server, kinds),
      shadowing,
    );
    this.#unsubscribe = supervisor.onTransition((transition) => {
      // A per-session server's instances belong to their sessions: none of them feeds the catalog.
      if (this.upstreams.server(transition.server)?.mode === "per-session") return;
      if (transition.to === "ready" && transition.from !== "degraded")
        void this.#sync.refresh(transition.server);
    });
    const idleMs = config.gateway.sessionIdleTimeoutMs;
    this.#sweeper = setInterval(() => this.#sweepIdleSessions(idleMs), Math.min(idleMs, 60_000)).unref();
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Tools a server exposes (after the tool policy); null until its list was fetched. */
  toolCount(server: string): number | null {
    return this.catalog.hasServer(server) ? this.catalog.list("tools", new Set([server])).length : null;
  }

  getSession(id: string): ClientSession | undefined {
    const session = this.#sessions.get(id);
    if (session !== undefined) session.lastActiveAt = Date.now();
    return session;
  }

  /**
   * Handles `initialize`: creates the session and builds the result the client gets. `address`: the
   * client's network address, for the per-address quotas.
   */
  async initialize(
    scope: SessionScope,
    params: Record<string, unknown> | undefined,
    address = "unknown",
  ): Promise<InitializeOutcome> {
    if (this.#draining)
      return { error: gatewayError(GATEWAY_ERROR.serverUnavailable, "the gateway is shutting down") };
    if (typeof params?.protocolVersion !== "string") {
      return {
        error: gatewayError(
          GATEWAY_ERROR.invalidParams,
          "initialize needs params.protocolVersion (a string)",
        ),
      };
    }
    const refusal = this.#checkSessionQuotas(params, address);
    if (refusal !== undefined) return { error: refusal };
    const protocolVersion = negotiateProtocolVersion(params.protocolVersion);
    const capabilities = params.capabilities;
    const session = new ClientSession({
      scope,
      protocolVersion,
      clientCapabilities:
        typeof capabilities === "object" && capabilities !== null
          ? (capabilities as Record<string, unknown>)
          : {},
      clientInfo: params.clientInfo,
      address,
      onDetached: () => this.upstreams.noticeSlotChange(),
    });
    // Counted from here, so initializes waiting for an instance count too.
    this.#addSession(session);
    let result: Record<string, unknown>;
    if (scope.kind === "server") {
      // For a per-session server this starts the session's own instance.
      const connected = await this.upstreams.connect(scope.server, undefined, this.#ownerOf(session));
      if ("error" in connected) {
        this.#removeSession(session);
        void this.upstreams.releaseSession(session.id, "initialize failed");
        return connected;
      }
      const upstream = this.upstreams.initializeResult(scope.server, this.#ownerOf(session)) ?? {};
      result = { ...upstream, protocolVersion };
    } else {
      result = {
        protocolVersion,
        capabilities: {
          tools: { listChanged: true },
          prompts: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
          logging: {},
          completions: {},
        },
        serverInfo: { name: "corral", title: "Corral MCP gateway", version: this.#options.version },
        instructions: this.#aggregateInstructions(),
      };
    }
    this.#sessions.set(session.id, session);
    return { session, result };
  }

  /** The refusal of a new session over a quota, or undefined when it may be made. */
  #checkSessionQuotas(params: Record<string, unknown>, address: string) {
    const { limits } = this.quotas;
    // Only clientInfo is kept whole; a client that sends more than the quota is told so.
    const infoBytes =
      params.clientInfo === undefined ? 0 : Buffer.byteLength(JSON.stringify(params.clientInfo) ?? "");
    if (infoBytes > limits.initializeDataBytes) {
      return this.quotas.refuse(
        "initializeDataBytes",
        address,
        `initialize params.clientInfo is ${infoBytes} bytes of JSON; send a shorter clientInfo`,
        GATEWAY_ERROR.invalidParams,
      );
    }
    if (this.#counted() >= limits.sessions) {
      return this.quotas.refuse(
        "sessions",
        address,
        `the gateway has ${limits.sessions} client sessions open`,
      );
    }
    const mine = this.#sessionsByAddress.get(address);
    if (mine !== undefined && mine.size >= limits.sessionsPerAddress && !this.#reclaimSession(mine)) {
      return this.quotas.refuse(
        "sessionsPerAddress",
        address,
        `address ${address} has ${mine.size} client sessions open; end unused ones (DELETE) first`,
      );
    }
    return undefined;
  }

  /**
   * At the per-address quota, that address's session whose stream closed longest ago, with nothing
   * in flight, makes room: the MCP SDK's `close()` leaves such sessions behind without a DELETE.
   */
  #reclaimSession(sessions: Set<ClientSession>): boolean {
    let oldest: ClientSession | undefined;
    for (const session of sessions) {
      const since = session.detachedSince;
      if (since === undefined || session.inFlight > 0) continue;
      if (oldest === undefined || since < (oldest.detachedSince as number)) oldest = session;
    }
    if (oldest === undefined) return false;
    this.closeSession(
      oldest.id,
      "its stream closed and its client address needed a session for a new client",
    );
    return true;
  }

  #counted(): number {
    let count = 0;
    for (const sessions of this.#sessionsByAddress.values()) count += sessions.size;
    return count;
  }

  #addSession(session: ClientSession): void {
    let sessions = this.#sessionsByAddress.get(session.address);
    if (sessions === undefined) {
      sessions = new Set();
      this.#sessionsByAddress.set(session.address, sessions);
    }
    sessions.add(session);
  }

  #removeSession(session: ClientSession): void {
    const sessions = this.#sessionsByAddress.get(session.address);
    if (sessions === undefined) return;
    sessions.delete(session);
    if (sessions.size === 0) this.#sessionsByAddress.delete(session.address);
  }

  /**
   * A client request; never rejects: failures are JSON-RPC errors. A forwarded answer comes back
   * unread, for `encodeAnswer` (or `toResponseBody`). `encoded`: the request's bytes as the client
   * sent them (`findRequestBytes`), forwarded instead of a re-serialised copy where nothing changes.
   */
  async handleRequest(
    session: ClientSession,
    request: JsonRpcRequest,
    stream: RequestStream,
    encoded?: RequestBytes,
  ): Promise<Answer> {
    session.lastActiveAt = Date.now();
    if (request.method === "ping") return { result: {} };
    if (request.method === "initialize") {
      return { error: gatewayError(GATEWAY_ERROR.invalidRequest, "this session is already initialized") };
    }
    if (session.inFlight >= this.quotas.limits.inFlightPerSession) {
      return {
        error: this.quotas.refuse(
          "inFlightPerSession",
          session.address,
          `this session has ${session.inFlight} requests in flight; wait for answers before sending more`,
        ),
      };
    }
    session.inFlight += 1;
    const ownCatalogs = this.#ownCatalogs;
    const context = {
      session,
      stream,
      catalog: () => ownCatalogs.catalogFor(session.id),
      ownCatalogs,
      upstreams: this.upstreams,
      sync: this.#sync,
      owner: this.#ownerOf(session),
      quotas: this.quotas,
      encoded,
    };
    try {
      return session.scope.kind === "all"
        ? await routeAggregateRequest(context, request)
        : await routeServerRequest(context, session.scope.server, request);
    } catch (error) {
      this.#options.logger.error(
        { method: request.method, err: String(error) },
        "request failed inside the gateway",
      );
      return {
        error: gatewayError(
          GATEWAY_ERROR.internal,
          `corral failed to handle ${request.method}: ${String(error)}`,
        ),
      };
    } finally {
      session.inFlight -= 1;
    }
  }

  /** The client of one request went away: the upstreams working on it get notifications/cancelled. */
  cancelRequests(stream: RequestStream, reason: string): void {
    for (const connection of this.upstreams.all()) connection.cancelOrigin(stream, reason);
  }

  /** Notifications and responses from a client. */
  handleClientMessage(session: ClientSession, message: JsonRpcNotification | JsonRpcResponse): void {
    session.lastActiveAt = Date.now();
    if (!("method" in message)) {
      session.answer(message);
      return;
    }
    if (message.method === "notifications/cancelled") {
      const params = message.params as { requestId?: string | number; reason?: string } | undefined;
      if (params?.requestId === undefined) return;
      for (const connection of this.upstreams.all())
        connection.cancel(session.id, params.requestId, params.reason);
      return;
    }
    if (message.method === "notifications/initialized") return;
    if (message.method === "notifications/roots/list_changed") {
      for (const connection of this.upstreams.sessionConnections(session.id))
        connection.notify(message.method, message.params);
      return;
    }
    if (session.scope.kind === "server") {
      const server = session.scope.server;
      // A per-session server's other instances serve other sessions: they never hear this one.
      const connections =
        this.upstreams.server(server)?.mode === "per-session"
          ? this.upstreams.sessionConnections(session.id).filter((connection) => connection.server === server)
          : this.upstreams.readyConnections(server);
      for (const connection of connections) connection.notify(message.method, message.params);
    }
  }

  closeSession(id: string, reason = "session ended"): boolean {
    const session = this.#sessions.get(id);
    if (session === undefined) return false;
    this.#sessions.delete(id);
    this.#removeSession(session);
    this.#ownCatalogs.forget(id);
    session.close();
    for (const connection of this.upstreams.all()) connection.cancelSession(id, reason);
    void this.upstreams.releaseSession(id, reason);
    return true;
  }

  /** The session seen as the owner of its per-session instances; made once per session, not per request. */
  #ownerOf(session: ClientSession): SessionOwner {
    let owner = this.#owners.get(session);
    if (owner === undefined) {
      owner = this.#makeOwner(session);
      this.#owners.set(session, owner);
    }
    return owner;
  }

  #makeOwner(session: ClientSession): SessionOwner {
    return {
      id: session.id,
      address: session.address,
      deliver: (server, notification) => this.#deliver(session, server, notification),
      ask: async (request, signal) => {
        if (session.supports(request.method)) await session.waitForOutbound(OUTBOUND_WAIT_MS, signal);
        return session.ask(
          request.method,
          request.params,
          (message) => session.outbound?.send(message) ?? false,
          SERVER_REQUEST_TIMEOUT_MS,
          signal,
        );
      },
      detachedSince: () => session.detachedSince,
      end: (reason) => this.closeSession(session.id, reason),
    };
  }

  /** One upstream notification to one session, if it wants it. */
  #deliver(session: ClientSession, server: string, notification: JsonRpcNotification): void {
    const kinds = kindsOfListChanged(notification.method);
    if (kinds.length > 0) {
      // Only a session's own per-session instance gets here (shared ones are handled on arrival).
      if (session.scope.kind === "server") session.outbound?.send(notification);
      else void this.#refreshOwnLists(session, server, kinds);
      return;
    }
    if (notification.method === "notifications/resources/updated") {
      const uri = (notification.params as { uri?: unknown } | undefined)?.uri;
      if (typeof uri === "string" && session.subscriptions.has(uri)) session.outbound?.send(notification);
      return;
    }
    if (notification.method === "notifications/message") {
      if (wantsNotification(session, notification)) session.outbound?.send(notification);
      return;
    }
    if (session.scope.kind === "server") session.outbound?.send(notification);
  }

  /** A session's own instance changed a list: the session lists it again, then hears what changed. */
  async #refreshOwnLists(session: ClientSession, server: string, kinds: ListKind[]): Promise<void> {
    const owner = this.#ownerOf(session);
    const config = this.upstreams.server(server);
    const connection = this.upstreams.readyConnection(server, owner);
    if (config === undefined || connection === undefined) return;
    const capabilities = (this.upstreams.initializeResult(server, owner)?.capabilities ?? {}) as Record<
      string,
      unknown
    >;
    const changed = await this.#ownCatalogs.refresh(session.id, config, connection, capabilities, kinds);
    if (session.closed) this.#ownCatalogs.forget(session.id);
    for (const method of new Set(changed.map((kind) => LIST_CHANGED_NOTIFICATION[kind])))
      session.outbound?.send({ jsonrpc: "2.0", method });
  }

  /** Stops taking new sessions and waits (up to `graceMs`) for requests in flight to finish. */
  async drain(graceMs: number): Promise<void> {
    this.#draining = true;
    const deadline = Date.now() + graceMs;
    while (this.upstreams.all().some((connection) => connection.inFlightCount > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  dispose(): void {
    this.#unsubscribe();
    clearInterval(this.#sweeper);
    this.upstreams.dispose();
    for (const id of [...this.#sessions.keys()]) this.closeSession(id, "gateway shutting down");
    for (const connection of this.upstreams.all()) connection.close("gateway shutting down");
  }

  /** Sessions that see a server's items: every aggregate session, and that server's own. */
  #sessionsOf(server: string): ClientSession[] {
    return [...this.#sessions.values()].filter(
      (session) => session.scope.kind === "all" || session.scope.server === server,
    );
  }

  #announceListChanged(server: string, kinds: ListKind[]): void {
    const methods = new Set(kinds.map((kind) => LIST_CHANGED_NOTIFICATION[kind]));
    for (const session of this.#sessionsOf(server)) {
      // A single-server session got the server's own list_changed already.
      if (session.scope.kind !== "all") continue;
      for (const method of methods) session.outbound?.send({ jsonrpc: "2.0", method });
    }
  }

  #onUpstreamNotification(server: string, notification: JsonRpcNotification): void {
    const kinds = kindsOfListChanged(notification.method);
    if (kinds.length > 0) {
      // One refresh for everyone; aggregate sessions hear about it once the catalog really changed.
      void this.#sync.refresh(server, kinds);
      for (const session of this.#sessionsOf(server)) {
        if (session.scope.kind === "server") session.outbound?.send(notification);
      }
      return;
    }
    for (const session of this.#sessionsOf(server)) this.#deliver(session, server, notification);
  }

  #aggregateInstructions(): string {
    const names = this.upstreams.servers.filter((server) => !server.disabled).map((server) => server.name);
    const separator = this.#options.config.gateway.separator;
    return `Corral gateway. Tools, prompts and resources of these servers are named <server>${separator}<name>: ${names.join(", ")}.`;
  }

  #sweepIdleSessions(idleMs: number): void {
    const now = Date.now();
    for (const session of [...this.#sessions.values()]) {
      if (session.outbound === undefined && now - session.lastActiveAt > idleMs)
        this.closeSession(session.id, "session idle");
    }
  }
}
