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
import {
  describeHold,
  formatDuration,
  type Instance,
  type OperatorHold,
  type Supervisor,
} from "../supervisor/index.js";
import {
  createInstanceChannel,
  GATEWAY_ERROR,
  gatewayError,
  type ResponseBody,
  UpstreamConnection,
} from "../upstream/index.js";
import { isLoopbackAddress, type QuotaGuard } from "./quotas.js";

export type ConnectionResult =
  | { readonly connection: UpstreamConnection }
  | { readonly error: JsonRpcErrorObject };

/** What a per-session instance needs from the session that owns it. */
export interface SessionOwner {
  readonly id: string;
  /** The session's client address: one address may hold only a share of a server's slots. */
  readonly address: string;
  /** Notifications of the owner's own instance go to that session only. */
  deliver(server: string, notification: JsonRpcNotification): void;
  /** A server→client request with no request of the owner in flight (e.g. roots/list at start). */
  ask(request: JsonRpcRequest, signal: AbortSignal): Promise<ResponseBody>;
  /** Since when the session's client stream is closed with none in its place; undefined otherwise. */
  detachedSince(): number | undefined;
  /** Ends the session (its client will be told it no longer exists and must initialize again). */
  end(reason: string): void;
}

interface SessionUpstream {
  readonly instance: Instance;
  readonly connection: UpstreamConnection;
}

interface OwnedUpstream extends SessionUpstream {
  readonly owner: SessionOwner;
}

/**
 * How long an initialize waits for a per-session slot before it is refused: long enough to see the
 * stream of a client that closed a moment earlier close too, short enough to answer promptly.
 */
const SLOT_GRACE_MS = 2_000;

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
  readonly #sessionUpstreams = new Map<string, OwnedUpstream>();
  readonly #unsubscribeRemoval: () => void;
  readonly #slotWaiters = new Set<() => void>();
  readonly #quotas: QuotaGuard | undefined;

  constructor(
    config: CorralConfig,
    supervisor: Supervisor,
    onNotification: (server: string, notification: JsonRpcNotification) => void,
    quotas?: QuotaGuard,
  ) {
    this.#supervisor = supervisor;
    this.#quotas = quotas;
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
      queueMicrotask(() => this.noticeSlotChange());
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
      const unfair = this.#overAddressShare(server, owner);
      if (unfair !== undefined) return { error: unfair };
      // The slot is checked and taken with no await in between: two sessions woken by the same
      // freed slot must not both see it free (the one that came second waits on).
      const deadline = Date.now() + SLOT_GRACE_MS;
      while (!this.#supervisor.hasFreeSessionSlot(server.name) && !this.#reclaimSlot(server.name)) {
        if (!(await this.#nextSlotChange(deadline, signal))) break;
      }
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
      upstream = { instance, connection, owner };
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

  /**
   * The refusal of a new instance for `owner` when its address already holds its share of the
   * server's maxInstances, so anonymous sessions from one address cannot take every slot. Loopback
   * clients are the host's own user and may take them all (docs/security.md#quotas).
   */
  #overAddressShare(server: ServerConfig, owner: SessionOwner) {
    if (this.#quotas === undefined || isLoopbackAddress(owner.address)) return undefined;
    const share = Math.max(1, Math.floor(server.maxInstances * this.#quotas.limits.instanceSharePerAddress));
    let held = 0;
    for (const upstream of this.#sessionUpstreams.values()) {
      if (upstream.connection.server === server.name && upstream.owner.address === owner.address) held += 1;
    }
    if (held < share) return undefined;
    const what = `address ${owner.address} holds ${held} of the ${server.maxInstances} per-session instances of server "${server.name}"`;
    return this.#quotas.refuse("instanceSharePerAddress", owner.address, what);
  }

  /** A session's stream closed, or an instance was released: a slot may be free or reclaimable now. */
  noticeSlotChange(): void {
    for (const waiter of [...this.#slotWaiters]) waiter();
  }

  /**
   * Resolves true at the next slot change (a stream closed, an instance released), false once
   * `deadline` passed or `signal` aborted. `initialize` waits up to SLOT_GRACE_MS for a slot: the
   * SDK's `close()` then `connect()` can bring it before the old stream's close is seen.
   */
  async #nextSlotChange(deadline: number, signal?: AbortSignal): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return false;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#slotWaiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, left);
      this.#slotWaiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
    return true;
  }

  /**
   * Every slot is taken: the one of the session whose client stream closed longest ago, with no
   * request in flight, goes to the client that is here now, and that session ends. A client that
   * closed without DELETE looks like this; one that merely lost its stream has to initialize again.
   */
  #reclaimSlot(server: string): boolean {
    let oldest: { owner: SessionOwner; since: number } | undefined;
    for (const { owner, connection } of this.#sessionUpstreams.values()) {
      const since = owner.detachedSince();
      if (connection.server !== server || since === undefined || connection.inFlightCount > 0) continue;
      if (oldest === undefined || since < oldest.since) oldest = { owner, since };
    }
    if (oldest === undefined) return false;
    const ago = formatDuration(Date.now() - oldest.since);
    oldest.owner.end(
      `its stream closed ${ago} ago and server "${server}" needed its per-session slot for a new session`,
    );
    return true;
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

  /**
   * A server's initialize result. A per-session server's is the owner's instance's only (undefined
   * without one): another session's instance may have answered differently.
   */
  initializeResult(server: string, owner?: SessionOwner): Record<string, unknown> | undefined {
    if (this.#servers.get(server)?.mode === "per-session") {
      const upstream = owner && this.#sessionUpstreams.get(`${owner.id}\0${server}`);
      return upstream?.instance.initializeResult as Record<string, unknown> | undefined;
    }
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
    const hold = this.#supervisor.holdOf(name);
    if (hold !== undefined) return { error: this.#held(name, hold) };
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

  /** A server an operator stopped answers at once, saying so and how to start it: nothing starts it now. */
  #held(name: string, hold: OperatorHold): JsonRpcErrorObject {
    const reason = describeHold(name, hold);
    return gatewayError(GATEWAY_ERROR.serverUnavailable, `server "${name}" is ${reason}`, {
      server: name,
      state: "stopped",
      reason,
      held: true,
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
