// Owns every server's instances: starts eager ones, starts lazy ones on first use, stops idle ones,
// ends leftovers of a previous run before anything new starts, and stops everything in parallel.

import type { CorralConfig, InstanceMode, ServerConfig, StartPolicy, Transport } from "../config/index.js";
import { CorralError, describeError } from "../core/index.js";
import type { Logger } from "../observability/index.js";
import {
  type CgroupHost,
  type Containment,
  detectCgroups,
  listDescendants,
  listProcesses,
  type ProcessUsage,
} from "../platform/index.js";
import { type ContainerRuntime, createContainerRuntime } from "./container-runtime.js";
import { Instance } from "./instance.js";
import {
  formatDuration,
  type InstanceState,
  type InstanceStatus,
  type StartKind,
  type StopKind,
  type Transition,
  type TransitionKind,
} from "./instance-state.js";
import type { ProcessIsolation, RemoteLinkOpener } from "./link.js";
import { type ReapOutcome, reapLeftovers, type StateDir } from "./state-dir.js";

export interface SupervisorOptions {
  readonly config: CorralConfig;
  readonly containment: Containment;
  /** Where instances get their cgroups (limits, usage); none when absent. */
  readonly cgroups?: CgroupHost;
  readonly stateDir: StateDir;
  readonly gatewayEnv: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly clientInfo: { readonly name: string; readonly version: string };
  /** Client capabilities a server's upstream initialize declares (the gateway decides, per mode). */
  readonly clientCapabilities?: (server: ServerConfig) => Readonly<Record<string, unknown>>;
  /** How to reach http/sse servers (the upstream layer's transports, wired by the cli). */
  readonly openRemoteLink?: RemoteLinkOpener;
  /** DOCKER_HOST as the cli read it (`unix://…`), for `runtime: container` servers. */
  readonly dockerHost?: string;
  readonly random?: () => number;
}

export interface ServerStatus {
  readonly name: string;
  readonly transport: Transport;
  readonly mode: InstanceMode;
  readonly start: StartPolicy;
  readonly state: InstanceState;
  readonly reason: string;
  /** The kind of the instance transition the reason comes from; undefined for a summary reason. */
  readonly reasonKind: TransitionKind | undefined;
  readonly desiredInstances: number;
  readonly instances: readonly InstanceStatus[];
}

interface ServerEntry {
  readonly config: ServerConfig;
  readonly instances: Instance[];
  lastUsedAt: number;
  idleTimer: NodeJS.Timeout | undefined;
  /** Per-session instances made so far, for unique ids. */
  sessionInstancesMade: number;
}

interface SessionInstanceUse {
  lastUsedAt: number;
  timer: NodeJS.Timeout | undefined;
}

/** What one server is as a whole, from the states of its instances. */
export function aggregateState(instances: readonly InstanceStatus[]): {
  state: InstanceState;
  reason: string;
  reasonKind?: TransitionKind;
} {
  const first = instances[0];
  if (first === undefined) return { state: "stopped", reason: "no instances" };
  const live = instances.filter((instance) => instance.state === "ready" || instance.state === "degraded");
  if (live.length === instances.length) {
    const degraded = live.find((instance) => instance.state === "degraded");
    return degraded ?? first;
  }
  if (live.length > 0)
    return { state: "degraded", reason: `${live.length}/${instances.length} instances ready` };
  for (const state of ["starting", "stopping", "backoff", "failed"] as const) {
    const found = instances.find((instance) => instance.state === state);
    if (found !== undefined) return found;
  }
  return first;
}

export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #entries = new Map<string, ServerEntry>();
  readonly #listeners = new Set<(transition: Transition) => void>();
  readonly #sessionUse = new Map<Instance, SessionInstanceUse>();
  readonly #removalListeners = new Set<(instance: Instance, reason: string) => void>();
  readonly #containers: ContainerRuntime;
  #disposed = false;
  readonly #isolation: ProcessIsolation;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    const maxProcesses = options.config.gateway.maxProcesses;
    this.#isolation = {
      cgroups: options.cgroups ?? detectCgroups({ mode: "none", key: "" }),
      ...(maxProcesses === undefined ? {} : { admit: (server: string) => this.#admit(server, maxProcesses) }),
    };
    this.#containers = createContainerRuntime({
      dockerHost: options.dockerHost,
      stateDirPath: options.stateDir.path,
      gatewayEnv: options.gatewayEnv,
    });
    for (const server of options.config.servers) {
      const count = server.mode === "shared" ? server.replicas : 0;
      const instances = Array.from({ length: count }, (_, slot) => this.#createInstance(server, slot));
      this.#entries.set(server.name, {
        config: server,
        instances,
        lastUsedAt: 0,
        idleTimer: undefined,
        sessionInstancesMade: 0,
      });
    }
  }

  onTransition(listener: (transition: Transition) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ends leftovers of a previous run, then starts every eager server (without waiting for ready). */
  async start(): Promise<ReapOutcome[]> {
    const reaped = await reapLeftovers(this.#options.stateDir);
    const swept = await this.#isolation.cgroups.sweep();
    if (swept.length > 0) {
      this.#options.logger.warn({ cgroups: swept }, "removed cgroups left by a previous run");
    }
    for (const outcome of reaped.filter((item) => item.killed > 0)) {
      this.#options.logger.warn(
        { server: outcome.record.server, pid: outcome.record.pid, killed: outcome.killed },
        "ended processes left by a previous run",
      );
    }
    await this.#sweepContainers();
    for (const entry of this.#entries.values()) {
      if (entry.config.start === "eager" && !entry.config.disabled)
        this.#startEntry(entry, "eager start", "eager-start");
    }
    return reaped;
  }

  /** Removes containers a previous run left; only when the config has container servers. */
  async #sweepContainers(): Promise<void> {
    if (!this.#options.config.servers.some((server) => server.container !== undefined)) return;
    try {
      const removed = await this.#containers.sweep();
      if (removed.length > 0) {
        this.#options.logger.warn(
          { containers: removed.map((container) => container.Names[0] ?? container.Id.slice(0, 12)) },
          "removed containers left by a previous run",
        );
      }
    } catch (error) {
      // Container servers will fail to start with the same reason; process servers are unaffected.
      this.#options.logger.warn({ err: describeError(error) }, "could not sweep leftover containers");
    }
  }

  listServers(): ServerStatus[] {
    return [...this.#entries.values()].map((entry) => this.#statusOf(entry));
  }

  hasServer(name: string): boolean {
    return this.#entries.has(name);
  }

  getServer(name: string): ServerStatus | undefined {
    const entry = this.#entries.get(name);
    return entry === undefined ? undefined : this.#statusOf(entry);
  }

  /** The instances of a server, for the gateway to attach upstream connections to. */
  getInstances(name: string): readonly Instance[] {
    return this.#entry(name).instances;
  }

  /** Starts a lazy server on first use and waits until one instance is ready; marks the server used. */
  async acquire(name: string, signal?: AbortSignal): Promise<Instance> {
    const entry = this.#entry(name);
    this.touch(name);
    const ready = entry.instances.find((instance) => instance.state === "ready");
    if (ready !== undefined) return ready;
    this.#startEntry(entry, "first use", "first-use");
    const first = entry.instances[0];
    if (first === undefined) {
      throw new CorralError("SERVER_UNAVAILABLE", `server "${name}" has no supervised instance`, {
        server: name,
      });
    }
    await Promise.any(entry.instances.map((instance) => instance.waitUntilReady(signal))).catch(() => {
      throw new CorralError(
        "SERVER_UNAVAILABLE",
        `server "${name}" is ${first.state}: ${first.status.reason}`,
        {
          server: name,
        },
      );
    });
    return (
      entry.instances.find((instance) => instance.state === "ready" || instance.state === "degraded") ?? first
    );
  }

  /** Records use of a server, which keeps it from being stopped as idle. */
  touch(name: string): void {
    const entry = this.#entry(name);
    entry.lastUsedAt = Date.now();
    this.#armIdleTimer(entry);
  }

  /**
   * Starts a new instance of a per-session server for one client session (it is not waited for:
   * use `waitUntilReady`). Refused beyond the server's `maxInstances`.
   */
  createSessionInstance(name: string, owner: string): Instance {
    const entry = this.#entry(name);
    const { config } = entry;
    if (this.#disposed || config.disabled || config.mode !== "per-session") {
      const why = this.#disposed
        ? "the gateway is shutting down"
        : config.disabled
          ? "it is disabled in the config"
          : "it is not a per-session server";
      throw new CorralError("SERVER_UNAVAILABLE", `cannot start an instance of server "${name}": ${why}`, {
        server: name,
      });
    }
    if (entry.instances.length >= config.maxInstances) {
      throw new CorralError(
        "SERVER_UNAVAILABLE",
        `server "${name}" already runs maxInstances (${config.maxInstances}) per-session instances; end a client session or raise maxInstances`,
        { server: name },
      );
    }
    entry.sessionInstancesMade += 1;
    const instance = this.#createInstance(
      config,
      entry.sessionInstancesMade - 1,
      `${name}-s${entry.sessionInstancesMade}`,
    );
    entry.instances.push(instance);
    this.#sessionUse.set(instance, { lastUsedAt: Date.now(), timer: undefined });
    instance.start(`client session ${owner.slice(0, 8)}`, "session-start");
    this.touchInstance(instance);
    return instance;
  }

  /** Records use of a per-session instance; it is stopped and removed after `idleTimeout` without use. */
  touchInstance(instance: Instance): void {
    const use = this.#sessionUse.get(instance);
    const entry = this.#entries.get(instance.status.server);
    const idleMs = entry?.config.idleTimeoutMs ?? null;
    if (use === undefined || idleMs === null) return;
    use.lastUsedAt = Date.now();
    if (use.timer !== undefined) return;
    const check = () => {
      use.timer = undefined;
      // Idle time counts from ready: an instance slower to start than idleTimeout is not idle, it
      // is what the request that made it waits for.
      if (instance.state === "starting") use.lastUsedAt = Date.now();
      const idleFor = Date.now() - use.lastUsedAt;
      if (idleFor < idleMs) {
        use.timer = setTimeout(check, idleMs - idleFor).unref();
        return;
      }
      void this.releaseSessionInstance(instance, `idle for ${formatDuration(idleFor)}`, "idle");
    };
    use.timer = setTimeout(check, idleMs).unref();
  }

  /** Stops a per-session instance through its stop ladder and forgets it. */
  async releaseSessionInstance(
    instance: Instance,
    reason: string,
    kind: StopKind = "session-ended",
  ): Promise<void> {
    const use = this.#sessionUse.get(instance);
    if (use === undefined) return;
    clearTimeout(use.timer);
    this.#sessionUse.delete(instance);
    for (const listener of this.#removalListeners) listener(instance, reason);
    await instance.stop(reason, kind);
    const entry = this.#entries.get(instance.status.server);
    if (entry !== undefined) entry.instances.splice(entry.instances.indexOf(instance), 1);
  }

  /** Called when a per-session instance is released (session end, idle): it takes no more requests. */
  onInstanceRemoved(listener: (instance: Instance, reason: string) => void): () => void {
    this.#removalListeners.add(listener);
    return () => this.#removalListeners.delete(listener);
  }

  startServer(name: string): void {
    this.#startEntry(this.#entry(name), "start requested", "operator-start");
  }

  async stopServer(name: string, reason = "stop requested", kind: StopKind = "operator-stop"): Promise<void> {
    const entry = this.#entry(name);
    clearTimeout(entry.idleTimer);
    await Promise.all(entry.instances.map((instance) => instance.stop(reason, kind)));
  }

  async restartServer(name: string, reason = "restart requested"): Promise<void> {
    const entry = this.#entry(name);
    await Promise.all(entry.instances.map((instance) => instance.restart(reason)));
  }

  /** Stops every instance in parallel; each through its own stop ladder. */
  async dispose(reason = "gateway shutting down"): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const all = [...this.#entries.values()];
    for (const entry of all) clearTimeout(entry.idleTimer);
    for (const use of this.#sessionUse.values()) clearTimeout(use.timer);
    await Promise.all(
      all.flatMap((entry) => entry.instances.map((instance) => instance.stop(reason, "gateway-shutdown"))),
    );
    this.#isolation.cgroups.close();
  }

  /** Processes of every running instance, descendants included (what `maxProcesses` bounds). */
  managedProcessCount(): number {
    const pids = [...this.#entries.values()].flatMap((entry) =>
      entry.instances.flatMap((instance) => instance.status.pid ?? []),
    );
    if (pids.length === 0) return 0;
    const processes = listProcesses();
    const alive = new Set(processes.map((stat) => stat.pid));
    return pids.reduce(
      (sum, pid) => sum + (alive.has(pid) ? 1 + listDescendants(pid, processes).length : 0),
      0,
    );
  }

  /** Memory and CPU of one instance, by id; undefined when it runs no process. */
  instanceUsage(id: string): ProcessUsage | undefined {
    for (const entry of this.#entries.values()) {
      const instance = entry.instances.find((candidate) => candidate.status.id === id);
      if (instance !== undefined) return instance.usage();
    }
    return undefined;
  }

  #admit(server: string, maxProcesses: number): void {
    const count = this.managedProcessCount();
    if (count >= maxProcesses) {
      throw new CorralError(
        "PROCESS_BUDGET_EXHAUSTED",
        `cannot start server "${server}": ${count} managed processes already, gateway.maxProcesses is ${maxProcesses}; stop a server or raise maxProcesses`,
        { server },
      );
    }
  }

  #entry(name: string): ServerEntry {
    const entry = this.#entries.get(name);
    if (entry === undefined) {
      throw new CorralError("SERVER_NOT_FOUND", `no server named "${name}"; see corral ps`, { server: name });
    }
    return entry;
  }

  #createInstance(server: ServerConfig, slot: number, id = `${server.name}-${slot + 1}`): Instance {
    const {
      containment,
      stateDir,
      gatewayEnv,
      logger,
      clientInfo,
      clientCapabilities,
      openRemoteLink,
      random,
    } = this.#options;
    return new Instance({
      id,
      ...(clientCapabilities === undefined ? {} : { clientCapabilities: clientCapabilities(server) }),
      ...(openRemoteLink === undefined ? {} : { openRemoteLink }),
      openContainerLink: this.#containers.openLink,
      server,
      containment,
      isolation: this.#isolation,
      stateDir,
      gatewayEnv,
      logger,
      clientInfo,
      ...(random === undefined ? {} : { random }),
      onTransition: (transition) => {
        if (transition.to === "ready" && server.mode === "shared")
          this.#armIdleTimer(this.#entry(server.name));
        for (const listener of this.#listeners) listener(transition);
      },
    });
  }

  #startEntry(entry: ServerEntry, reason: string, kind: StartKind): void {
    if (this.#disposed) return;
    if (entry.config.disabled) {
      throw new CorralError("SERVER_UNAVAILABLE", `server "${entry.config.name}" is disabled in the config`, {
        server: entry.config.name,
      });
    }
    if (entry.lastUsedAt === 0) entry.lastUsedAt = Date.now();
    for (const instance of entry.instances) instance.start(reason, kind);
  }

  #armIdleTimer(entry: ServerEntry): void {
    const idleMs = entry.config.idleTimeoutMs;
    if (idleMs === null || entry.idleTimer !== undefined || this.#disposed) return;
    const check = () => {
      entry.idleTimer = undefined;
      // Idle time counts from ready (see touchInstance).
      if (entry.instances.some((instance) => instance.state === "starting")) entry.lastUsedAt = Date.now();
      const idleFor = Date.now() - entry.lastUsedAt;
      if (idleFor < idleMs) {
        entry.idleTimer = setTimeout(check, idleMs - idleFor).unref();
        return;
      }
      const running = entry.instances.some(
        (instance) => instance.state !== "stopped" && instance.state !== "failed",
      );
      if (running) void this.stopServer(entry.config.name, `idle for ${formatDuration(idleFor)}`, "idle");
    };
    entry.idleTimer = setTimeout(check, Math.max(0, entry.lastUsedAt + idleMs - Date.now())).unref();
  }

  #statusOf(entry: ServerEntry): ServerStatus {
    const instances = entry.instances.map((instance) => instance.status);
    const { config } = entry;
    let aggregate = aggregateState(instances);
    if (config.disabled) aggregate = { state: "stopped", reason: "disabled in the config" };
    else if (config.mode === "per-session" && instances.length === 0) {
      aggregate = { state: "stopped", reason: "per-session: an instance starts with each client session" };
    } else if (
      config.start === "lazy" &&
      aggregate.state === "stopped" &&
      aggregate.reason === "not started"
    ) {
      aggregate = { state: "stopped", reason: "lazy: starts on first use" };
    }
    return {
      name: config.name,
      transport: config.transport,
      mode: config.mode,
      start: config.start,
      state: aggregate.state,
      reason: aggregate.reason,
      reasonKind: aggregate.reasonKind,
      desiredInstances: config.mode === "shared" ? config.replicas : instances.length,
      instances,
    };
  }
}
