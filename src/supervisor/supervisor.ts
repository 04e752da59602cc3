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
  /** The redactor's redactText: reasons and lastError never hold a secret (docs/security.md). */
  readonly redact?: (text: string) => string;
}

/** An operator's `stop`: it holds until `start` or `restart` (or a gateway restart), so use starts nothing. */
export interface OperatorHold {
  /** What the operator asked, e.g. "stop requested over the API". */
  readonly reason: string;
  /** Epoch ms. */
  readonly since: number;
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
  readonly hold: OperatorHold | undefined;
}

interface ServerEntry {
  readonly config: ServerConfig;
  /** Instances in service: for per-session servers, one per client session. */
  readonly instances: Instance[];
  /**
   * Released per-session instances still going through their stop ladder: they hold no slot (a
   * client that ended its session may open the next one at once), but their processes still count
   * and shutdown still waits for them.
   */
  readonly releasing: Map<Instance, Promise<void>>;
  hold: OperatorHold | undefined;
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

/** Stopped and failed instances run nothing: they never keep a per-session client out. */
function holdsSlot(instance: Instance): boolean {
  return instance.state !== "stopped" && instance.state !== "failed";
}

/** The reason a held server gives: who stopped it, and the one command that undoes it. */
export function describeHold(name: string, hold: OperatorHold): string {
  return `stopped by an operator (${hold.reason}); start it with \`corral start ${name}\``;
}

function heldError(name: string, hold: OperatorHold): CorralError {
  return new CorralError("SERVER_UNAVAILABLE", `server "${name}" is ${describeHold(name, hold)}`, {
    server: name,
    details: { held: true },
  });
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
        releasing: new Map(),
        hold: undefined,
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

  /** Why an operator stopped the server, while that stop holds; undefined otherwise. */
  holdOf(name: string): OperatorHold | undefined {
    return this.#entry(name).hold;
  }

  /** The instances of a server, for the gateway to attach upstream connections to. */
  getInstances(name: string): readonly Instance[] {
    return this.#entry(name).instances;
  }

  /** Starts a lazy server on first use and waits until one instance is ready; marks the server used. */
  async acquire(name: string, signal?: AbortSignal): Promise<Instance> {
    const entry = this.#entry(name);
    if (entry.hold !== undefined) throw heldError(name, entry.hold);
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
    if (entry.hold !== undefined) throw heldError(name, entry.hold);
    if (!this.hasFreeSessionSlot(name)) {
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

  /** True when a per-session server may start one more instance (stopped and failed ones hold no slot). */
  hasFreeSessionSlot(name: string): boolean {
    const entry = this.#entry(name);
    let taken = 0;
    for (const instance of entry.instances) if (holdsSlot(instance)) taken += 1;
    return taken < entry.config.maxInstances;
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

  /**
   * Takes a per-session instance out of service at once (its slot is free before this returns a
   * promise), then stops it through its stop ladder; resolves once its process is gone.
   */
  async releaseSessionInstance(
    instance: Instance,
    reason: string,
    kind: StopKind = "session-ended",
  ): Promise<void> {
    const use = this.#sessionUse.get(instance);
    const entry = this.#entries.get(instance.status.server);
    if (use === undefined || entry === undefined) return;
    clearTimeout(use.timer);
    this.#sessionUse.delete(instance);
    entry.instances.splice(entry.instances.indexOf(instance), 1);
    const stopped = instance.stop(reason, kind).finally(() => entry.releasing.delete(instance));
    entry.releasing.set(instance, stopped);
    for (const listener of this.#removalListeners) listener(instance, reason);
    await stopped;
  }

  /** Called when a per-session instance is released (session end, idle): it takes no more requests. */
  onInstanceRemoved(listener: (instance: Instance, reason: string) => void): () => void {
    this.#removalListeners.add(listener);
    return () => this.#removalListeners.delete(listener);
  }

  /** An operator's start: ends a hold; a per-session server has nothing else to start. */
  startServer(name: string): void {
    const entry = this.#entry(name);
    entry.hold = undefined;
    if (entry.config.mode === "shared") this.#startEntry(entry, "start requested", "operator-start");
  }

  /**
   * An operator's stop, which holds until `startServer` or `restartServer`: nothing starts the
   * server meanwhile (an idle stop is not this: lazy servers start again on use). Per-session
   * instances are released, so their sessions' next requests find the hold, then a fresh instance.
   */
  async stopServer(name: string, reason = "stop requested", kind: StopKind = "operator-stop"): Promise<void> {
    const entry = this.#entry(name);
    entry.hold = { reason, since: Date.now() };
    clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    if (entry.config.mode === "per-session") {
      const released = [...entry.instances].map((instance) =>
        this.releaseSessionInstance(instance, reason, kind),
      );
      await Promise.all(released);
      await Promise.all(entry.releasing.values());
      return;
    }
    await Promise.all(entry.instances.map((instance) => instance.stop(reason, kind)));
  }

  /** An operator's restart: ends a hold and restarts every instance. */
  async restartServer(name: string, reason = "restart requested"): Promise<void> {
    const entry = this.#entry(name);
    entry.hold = undefined;
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
      all.flatMap((entry) => [
        ...entry.instances.map((instance) => instance.stop(reason, "gateway-shutdown")),
        ...entry.releasing.values(),
      ]),
    );
    this.#isolation.cgroups.close();
  }

  /** Processes of every running instance, descendants included (what `maxProcesses` bounds). */
  managedProcessCount(): number {
    const pids = [...this.#entries.values()].flatMap((entry) =>
      [...entry.instances, ...entry.releasing.keys()].flatMap((instance) => instance.status.pid ?? []),
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
      const instance =
        entry.instances.find((candidate) => candidate.id === id) ??
        [...entry.releasing.keys()].find((candidate) => candidate.id === id);
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
      redact,
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
      ...(redact === undefined ? {} : { redact }),
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
      // Not an operator's stop: no hold, the next use starts the server again.
      const reason = `idle for ${formatDuration(idleFor)}`;
      if (running) void Promise.all(entry.instances.map((instance) => instance.stop(reason, "idle")));
    };
    entry.idleTimer = setTimeout(check, Math.max(0, entry.lastUsedAt + idleMs - Date.now())).unref();
  }

  #statusOf(entry: ServerEntry): ServerStatus {
    const instances = [...entry.instances, ...entry.releasing.keys()].map((instance) => instance.status);
    const { config, hold } = entry;
    let aggregate = aggregateState(instances);
    if (config.disabled) aggregate = { state: "stopped", reason: "disabled in the config" };
    else if (hold !== undefined && (aggregate.state === "stopped" || instances.length === 0)) {
      // The instances' own reason also says how they stopped ("…; exited on stdin close in 31ms").
      const how = instances.length === 0 ? hold : { ...hold, reason: aggregate.reason };
      aggregate = { state: "stopped", reason: describeHold(config.name, how) };
    } else if (config.mode === "per-session" && instances.length === 0) {
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
      desiredInstances: config.mode === "shared" ? config.replicas : entry.instances.length,
      instances,
      hold,
    };
  }
}
