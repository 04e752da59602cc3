// The gateway's view of upstreams: one connection per supervised instance, picking the least busy
// ready one, starting lazy servers on first use, and failing fast with the state and retry time
// when a server cannot take requests.

import type { CorralConfig, ServerConfig } from "../config/index.js";
import {
  describeError,
  type JsonRpcErrorObject,
  type JsonRpcNotification,
  type JsonRpcRequest,
} from "../core/index.js";
import { formatDuration, type Instance, type Supervisor } from "../supervisor/index.js";
import {
  createInstanceChannel,
  GATEWAY_ERROR,
  gatewayError,
  type ResponseBody,
  UpstreamConnection,
} from "../upstream/index.js";

export type ConnectionResult =
  | { readonly connection: UpstreamConnection }
  | { readonly error: JsonRpcErrorObject };

/** What a per-session instance needs from the session that owns it. */
export interface SessionOwner {
  readonly id: string;
  /** Notifications of the owner's own instance go to that session only. */
  deliver(server: string, notification: JsonRpcNotification): void;
  /** A server→client request with no request of the owner in flight (e.g. roots/list at start). */
  ask(request: JsonRpcRequest, signal: AbortSignal): Promise<ResponseBody>;
}

interface SessionUpstream {
  readonly instance: Instance;
  readonly connection: UpstreamConnection;
}

function isServing(instance: Instance): boolean {
  return instance.state === "ready" || instance.state === "degraded";
}

export class Upstreams {
  readonly #supervisor: Supervisor;
  readonly #servers: Map<string, ServerConfig>;
  readonly #connections = new Map<Instance, UpstreamConnection>();
  /** The instances of each shared server (fixed at start), so picking one is a short loop. */
  readonly #shared = new Map<string, SessionUpstream[]>();
  /** `${session id}\0${server}` → the session's own instance of a per-session server. */
  readonly #sessionUpstreams = new Map<string, SessionUpstream>();
  readonly #unsubscribeRemoval: () => void;

  constructor(
    config: CorralConfig,
    supervisor: Supervisor,
    onNotification: (server: string, notification: JsonRpcNotification) => void,
  ) {
    this.#supervisor = supervisor;
    this.#servers = new Map(config.servers.map((server) => [server.name, server]));
    for (const server of config.servers) {
      if (server.mode !== "shared" || server.disabled) continue;
      const shared: SessionUpstream[] = [];
      for (const instance of supervisor.getInstances(server.name)) {
        const connection = new UpstreamConnection(server.name, createInstanceChannel(instance), {
          onNotification: (notification) => onNotification(server.name, notification),
        });
        this.#connections.set(instance, connection);
        shared.push({ instance, connection });
      }
      this.#shared.set(server.name, shared);
    }
    this.#unsubscribeRemoval = supervisor.onInstanceRemoved((instance, reason) => {
      for (const [key, upstream] of this.#sessionUpstreams) {
        if (upstream.instance !== instance) continue;
        this.#sessionUpstreams.delete(key);
        this.#connections.delete(instance);
        upstream.connection.close(reason);
      }
    });
  }

  /** The owner's instance of a per-session server, started for it on first use. */
  async #connectForSession(
    server: ServerConfig,
    owner: SessionOwner,
    signal?: AbortSignal,
  ): Promise<ConnectionResult> {
    const key = `${owner.id}\0${server.name}`;
    let upstream = this.#sessionUpstreams.get(key);
    if (upstream === undefined) {
      let instance: Instance;
      try {
        instance = this.#supervisor.createSessionInstance(server.name, owner.id);
      } catch (error) {
        return {
          error: gatewayError(GATEWAY_ERROR.serverUnavailable, describeError(error), { server: server.name }),
        };
      }
      const connection = new UpstreamConnection(server.name, createInstanceChannel(instance), {
        onNotification: (notification) => owner.deliver(server.name, notification),
        onUnownedServerRequest: (request, signal) => owner.ask(request, signal),
      });
      upstream = { instance, connection };
      this.#sessionUpstreams.set(key, upstream);
      this.#connections.set(instance, connection);
    }
    try {
      await upstream.instance.waitUntilReady(signal ?? AbortSignal.timeout(server.startupTimeoutMs));
    } catch (error) {
      return { error: this.unavailable(server.name, describeError(error)) };
    }
    this.#supervisor.touchInstance(upstream.instance);
    return { connection: upstream.connection };
  }

  /** Ends the per-session instances of a session that ended, each through its stop ladder. */
  async releaseSession(sessionId: string, reason: string): Promise<void> {
    const releases: Promise<void>[] = [];
    for (const [key, upstream] of this.#sessionUpstreams) {
      if (!key.startsWith(`${sessionId}\0`)) continue;
      releases.push(this.#supervisor.releaseSessionInstance(upstream.instance, reason));
    }
    await Promise.all(releases);
  }

  /** Connections of the per-session instances a session owns. */
  sessionConnections(sessionId: string): UpstreamConnection[] {
    return [...this.#sessionUpstreams.entries()]
      .filter(([key]) => key.startsWith(`${sessionId}\0`))
      .map(([, upstream]) => upstream.connection);
  }

  dispose(): void {
    this.#unsubscribeRemoval();
  }

  server(name: string): ServerConfig | undefined {
    return this.#servers.get(name);
  }

  get servers(): readonly ServerConfig[] {
    return [...this.#servers.values()];
  }

  /** Connections of a server's instances that are ready now. */
  readyConnections(server: string): UpstreamConnection[] {
    const ready: UpstreamConnection[] = [];
    for (const [instance, connection] of this.#connections) {
      if (connection.server === server && isServing(instance)) ready.push(connection);
    }
    return ready;
  }

  initializeResult(server: string): Record<string, unknown> | undefined {
    for (const [instance, connection] of this.#connections) {
      if (connection.server === server && instance.initializeResult !== undefined) {
        return instance.initializeResult as Record<string, unknown>;
      }
    }
    return undefined;
  }

  /**
   * The least busy ready connection, when one is there now (marking the server used); undefined
   * when `connect` has work to do. It neither waits nor allocates: every request asks it first.
   */
  readyConnection(name: string, owner?: SessionOwner): UpstreamConnection | undefined {
    const server = this.#servers.get(name);
    if (server === undefined || server.disabled) return undefined;
    if (server.mode === "per-session") {
      const upstream = owner && this.#sessionUpstreams.get(`${owner.id}\0${name}`);
      if (upstream === undefined || !isServing(upstream.instance)) return undefined;
      this.#supervisor.touchInstance(upstream.instance);
      return upstream.connection;
    }
    let best: UpstreamConnection | undefined;
    for (const { instance, connection } of this.#shared.get(name) ?? []) {
      if (isServing(instance) && (best === undefined || connection.inFlightCount < best.inFlightCount))
        best = connection;
    }
    if (best !== undefined) this.#supervisor.touch(name);
    return best;
  }

  /** The least busy ready connection; starts a lazy or idle-stopped server and waits for it. */
  async connect(name: string, signal?: AbortSignal, owner?: SessionOwner): Promise<ConnectionResult> {
    const server = this.#servers.get(name);
    if (server === undefined) {
      return {
        error: gatewayError(GATEWAY_ERROR.invalidParams, `no server named "${name}"`, { server: name }),
      };
    }
    const unsupported = this.#unsupported(server);
    if (unsupported !== undefined) return { error: unsupported };
    if (server.mode === "per-session") {
      if (owner === undefined) {
        const message = `server "${name}" is per-session: it runs only for a client session`;
        return { error: gatewayError(GATEWAY_ERROR.serverUnavailable, message, { server: name }) };
      }
      return this.#connectForSession(server, owner, signal);
    }
    const ready = this.readyConnection(name);
    if (ready !== undefined) return { connection: ready };
    const status = this.#supervisor.getServer(name);
    if (
      status !== undefined &&
      (status.state === "backoff" || status.state === "failed" || status.state === "stopping")
    ) {
      return { error: this.unavailable(name) };
    }
    try {
      await this.#supervisor.acquire(name, signal ?? AbortSignal.timeout(server.startupTimeoutMs));
    } catch (error) {
      return { error: this.unavailable(name, describeError(error)) };
    }
    const started = this.readyConnection(name);
    return started === undefined ? { error: this.unavailable(name) } : { connection: started };
  }

  /** The error for a server that cannot take requests now, with its state and next retry. */
  unavailable(name: string, detail?: string): JsonRpcErrorObject {
    const status = this.#supervisor.getServer(name);
    const retryAt = status?.instances
      .map((instance) => instance.nextAttemptAt)
      .find((at) => at !== undefined);
    const state = status?.state ?? "unknown";
    // Reasons hold no countdown: the time left is computed now, from the same retryAt the body carries.
    const retry =
      retryAt === undefined ? "" : `; next try in ${formatDuration(Math.max(0, retryAt - Date.now()))}`;
    // An acquire error already names the server and its state: say each thing once.
    const why = (detail ?? status?.reason ?? "not ready").replace(
      new RegExp(`^server "${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}" is \\w+: `),
      "",
    );
    return gatewayError(GATEWAY_ERROR.serverUnavailable, `server "${name}" is ${state}: ${why}${retry}`, {
      server: name,
      state,
      reason: status?.reason,
      ...(retryAt === undefined ? {} : { retryAt: new Date(retryAt).toISOString() }),
    });
  }

  /** All connections, for cancellation and shutdown. */
  all(): UpstreamConnection[] {
    return [...this.#connections.values()];
  }

  #unsupported(server: ServerConfig): JsonRpcErrorObject | undefined {
    if (server.disabled) {
      return gatewayError(
        GATEWAY_ERROR.serverUnavailable,
        `server "${server.name}" is disabled in the config`,
        { server: server.name },
      );
    }
    return undefined;
  }
}
