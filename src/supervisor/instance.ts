// One instance slot of a server and its whole life: spawn, initialize handshake (ready), ping health
// (ready ⇄ degraded), exit, backoff, restart, crash loop (failed), and the stop ladder.

import { getEventListeners } from "node:events";
import type { ServerConfig } from "../config/index.js";
import {
  computeBackoffDelay,
  delay,
  describeError,
  findResponseId,
  isCorralError,
  isJsonRpcRequest,
  isJsonRpcResponse,
  type JsonLine,
  type JsonRpcMessage,
  type ResponseLine,
} from "../core/index.js";
import type { Logger } from "../observability/index.js";
import type { Containment, ProcessUsage } from "../platform/index.js";
import { ControlChannel } from "./control-channel.js";
import {
  formatDuration,
  type InstanceState,
  type InstanceStatus,
  pluralise,
  type RunEndKind,
  type StartKind,
  type StopKind,
  type Transition,
  type TransitionKind,
} from "./instance-state.js";
import {
  type ContainerLinkOpener,
  type Link,
  type LinkCallbacks,
  openProcessLink,
  type ProcessIsolation,
  type RemoteLinkOpener,
} from "./link.js";
import { LineRing } from "./ring-buffer.js";
import type { StateDir } from "./state-dir.js";
import { createStderrForwarder } from "./stderr-log.js";
import type { StopOutcome } from "./stop-ladder.js";

export const GATEWAY_PROTOCOL_VERSION = "2025-11-25";

/**
 * An exit reason quotes the process's last stderr line only when that process wrote it this long
 * before it ended: a crash's last words come right before the exit, an hour-old "listening" line
 * says nothing about a SIGKILL.
 */
export const EXIT_QUOTE_WINDOW_MS = 1_000;

/** Why one run (one process, one connection) ended; undefined when it was stopped on request. */
interface RunEnd {
  readonly reason: string;
  readonly kind: RunEndKind;
  /** The handshake succeeded: this was a working server, not a failed start. */
  readonly reachedReady: boolean;
  readonly readyForMs: number;
  /** Retrying cannot help (a limit the host cannot enforce). */
  readonly permanent?: boolean;
}

/** What an instance holds that must not grow while it runs (listeners, waiters, pending requests). */
export interface HeldResources {
  /** Abort listeners on the run's signal and on the health monitor's signal. */
  readonly abortListeners: number;
  readonly stateWaiters: number;
  readonly endListeners: number;
  readonly pendingControlRequests: number;
}

export interface InstanceOptions {
  readonly id: string;
  readonly server: ServerConfig;
  readonly containment: Containment;
  readonly isolation: ProcessIsolation;
  readonly stateDir: StateDir;
  readonly gatewayEnv: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly clientInfo: { readonly name: string; readonly version: string };
  /** Client capabilities declared in the upstream initialize: what the gateway can route (sampling …). */
  readonly clientCapabilities?: Readonly<Record<string, unknown>>;
  /** How to reach http/sse servers; without it they fail to start with a clear reason. */
  readonly openRemoteLink?: RemoteLinkOpener;
  /** How to run `runtime: container` servers; without it they fail to start with a clear reason. */
  readonly openContainerLink?: ContainerLinkOpener;
  readonly onTransition: (transition: Transition) => void;
  readonly random?: () => number;
  /** Applied to every reason before it is stored or told (a remote URL's token must not show). */
  readonly redact?: (text: string) => string;
}

/** Receives every message from the server that is not an answer to the supervisor's own requests. */
export type MessageListener = (message: JsonRpcMessage, line: Buffer) => void;

/** Receives plain responses to gateway (numeric) ids unparsed, so their payload can pass through. */
export type ResponseLineListener = (response: ResponseLine) => void;

function describeStop(outcome: StopOutcome): string {
  const rung = {
    "already-exited": "had exited",
    stdin: "exited on stdin close",
    sigterm: "exited on SIGTERM",
    closed: "connection closed",
    sigkill: "killed by SIGKILL",
  }[outcome.rung];
  return `${rung} in ${formatDuration(outcome.durationMs)}`;
}

export class Instance {
  readonly #options: InstanceOptions;
  readonly #logger: Logger;
  readonly stderr = new LineRing();
  #state: InstanceState = "stopped";
  #reason = "not started";
  #reasonKind: TransitionKind = "not-started";
  #since = Date.now();
  #process: Link | undefined;
  #control: ControlChannel | undefined;
  #run: { readonly abort: AbortController; readonly done: Promise<void> } | undefined;
  #restarts = 0;
  /** Failures in a row; the backoff exponent. */
  #failures = 0;
  /** Starts in a row that ended before ready. */
  #failedStarts = 0;
  #stopKind: StopKind = "operator-stop";
  #monitorSignal: AbortSignal | undefined;
  #nextAttemptAt: number | undefined;
  #lastError: string | undefined;
  #initializeResult: unknown;
  #messageListener: MessageListener | undefined;
  #responseLineListener: ResponseLineListener | undefined;
  #garbageLines = 0;
  #lastStop: StopOutcome | undefined;
  #spawns = 0;
  readonly #stateWaiters = new Set<() => void>();
  readonly #endListeners = new Set<(reason: string) => void>();

  constructor(options: InstanceOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ server: options.server.name, instance: options.id });
  }

  get id(): string {
    return this.#options.id;
  }

  #redact(text: string): string {
    return this.#options.redact === undefined ? text : this.#options.redact(text);
  }

  get state(): InstanceState {
    return this.#state;
  }

  /** The server's initialize result, cached from the last successful handshake. */
  get initializeResult(): unknown {
    return this.#initializeResult;
  }

  get garbageLines(): number {
    return this.#garbageLines;
  }

  get process(): Link | undefined {
    return this.#process;
  }

  get status(): InstanceStatus {
    return {
      id: this.#options.id,
      server: this.#options.server.name,
      state: this.#state,
      reason: this.#reason,
      reasonKind: this.#reasonKind,
      since: this.#since,
      pid: this.#process?.endInfo === undefined ? this.#process?.pid : undefined,
      restarts: this.#restarts,
      consecutiveFailures: this.#failures,
      failedStarts: this.#failedStarts,
      nextAttemptAt: this.#state === "backoff" ? this.#nextAttemptAt : undefined,
      lastError: this.#lastError,
      ...(this.#process?.limits === undefined ? {} : { limits: this.#process.limits }),
    };
  }

  /** Counts of what the instance holds on to; for tests and ops (none may grow with pings or restarts). */
  get heldResources(): HeldResources {
    const listeners = (signal: AbortSignal | undefined) =>
      signal === undefined ? 0 : getEventListeners(signal, "abort").length;
    return {
      abortListeners: listeners(this.#run?.abort.signal) + listeners(this.#monitorSignal),
      stateWaiters: this.#stateWaiters.size,
      endListeners: this.#endListeners.size,
      pendingControlRequests: this.#control?.pendingCount ?? 0,
    };
  }

  /** Memory and CPU of the running process (its cgroup, else its process tree); undefined otherwise. */
  usage(): ProcessUsage | undefined {
    return this.#process?.usage?.();
  }

  /**
   * Called once per process, the moment its run ends (exit, failed health, stop): whatever was sent
   * to it will not be answered. Returns an unsubscribe function.
   */
  onProcessEnd(listener: (reason: string) => void): () => void {
    this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }

  /** Without `onResponseLine`, responses are parsed and go to `listener` like every other message. */
  setMessageListener(listener: MessageListener | undefined, onResponseLine?: ResponseLineListener): void {
    this.#messageListener = listener;
    this.#responseLineListener = listener === undefined ? undefined : onResponseLine;
  }

  /** Writes one JSON-RPC line to the server; false when no process is running. */
  send(line: JsonLine): boolean {
    return this.#process?.writeLine(line) ?? false;
  }

  /** Starts the run loop; a no-op while it runs. A `failed` instance starts over with a clean count. */
  start(reason = "start requested", kind: StartKind = "operator-start"): void {
    if (this.#run !== undefined) return;
    if (this.#state === "failed") {
      this.#failures = 0;
      this.#failedStarts = 0;
    }
    const abort = new AbortController();
    const done = this.#runLoop(abort.signal, reason, kind).catch((error: unknown) => {
      this.#logger.error({ err: describeError(error) }, "supervision loop failed");
    });
    this.#run = { abort, done };
    void done.finally(() => {
      if (this.#run?.abort === abort) this.#run = undefined;
    });
  }

  /** Stops the instance through the stop ladder and resolves once its process is gone. */
  async stop(reason = "stop requested", kind: StopKind = "operator-stop"): Promise<void> {
    const run = this.#run;
    if (run === undefined) {
      if (this.#state === "backoff" || this.#state === "failed") this.#transition("stopped", reason, kind);
      return;
    }
    this.#lastStop = undefined;
    this.#stopKind = kind;
    run.abort.abort(new Error(reason));
    await run.done;
    const how = this.#lastStop === undefined ? "" : `; ${describeStop(this.#lastStop)}`;
    this.#transition("stopped", `${reason}${how}`, kind);
  }

  async restart(reason = "restart requested"): Promise<void> {
    await this.stop(reason, "operator-restart");
    this.#failures = 0;
    this.#failedStarts = 0;
    this.start(reason, "operator-restart");
  }

  /** Resolves when ready (or degraded); rejects when the instance fails, stops, or the signal aborts. */
  waitUntilReady(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.#state === "ready" || this.#state === "degraded") resolve();
        else if (this.#state === "failed" || (this.#state === "stopped" && this.#run === undefined)) {
          reject(new Error(`server "${this.#options.server.name}" is ${this.#state}: ${this.#reason}`));
        } else if (signal?.aborted) reject(signal.reason);
        else return false;
        return true;
      };
      if (check()) return;
      const waiter = () => {
        if (!check()) return;
        this.#stateWaiters.delete(waiter);
        // The caller's signal may outlive this wait by far (a session's, a request's).
        signal?.removeEventListener("abort", waiter);
      };
      this.#stateWaiters.add(waiter);
      signal?.addEventListener("abort", waiter, { once: true });
    });
  }

  #transition(
    to: InstanceState,
    reason: string,
    kind: TransitionKind,
    extra: { nextAttemptAt?: number } = {},
  ): void {
    const from = this.#state;
    reason = this.#redact(reason);
    if (from === to && this.#reason === reason) return;
    this.#state = to;
    this.#reason = reason;
    this.#reasonKind = kind;
    this.#since = Date.now();
    const pid = this.#process?.pid;
    const transition: Transition = {
      server: this.#options.server.name,
      instance: this.#options.id,
      from,
      to,
      reason,
      kind,
      at: this.#since,
      ...(pid === undefined ? {} : { pid }),
      ...(extra.nextAttemptAt === undefined ? {} : { nextAttemptAt: extra.nextAttemptAt }),
    };
    // One line per change, at info or above: a crash after start-up must show in the log.
    const level = to === "backoff" || to === "failed" || to === "degraded" ? "warn" : "info";
    this.#logger[level](
      {
        from,
        to,
        kind,
        reason,
        ...(pid === undefined ? {} : { pid }),
        ...(extra.nextAttemptAt === undefined
          ? {}
          : { nextAttemptAt: new Date(extra.nextAttemptAt).toISOString() }),
      },
      "state change",
    );
    this.#options.onTransition(transition);
    for (const waiter of [...this.#stateWaiters]) waiter();
  }

  async #runLoop(signal: AbortSignal, firstReason: string, firstKind: StartKind): Promise<void> {
    const policy = this.#options.server.restart;
    let reason = firstReason;
    let kind: TransitionKind = firstKind;
    while (!signal.aborted) {
      const runStart = Date.now();
      const outcome = await this.#runOnce(signal, reason, kind);
      if (outcome === undefined || signal.aborted) return;
      this.#lastError = this.#redact(outcome.reason);
      // A run that stayed ready long enough wipes the slate: the backoff starts over.
      if (outcome.readyForMs >= policy.resetAfterMs) this.#failures = 0;
      this.#failures += 1;
      // Only starts that never got ready count towards `failed`: a server that served and then died
      // is restarted for as long as it takes (capped backoff), as kubelet and systemd users expect.
      this.#failedStarts = outcome.reachedReady ? 0 : this.#failedStarts + 1;
      if (outcome.permanent) {
        this.#transition("failed", outcome.reason, "isolation-unavailable");
        return;
      }
      if (!policy.enabled) {
        this.#transition("failed", `${outcome.reason}; restart disabled`, "restart-disabled");
        return;
      }
      if (this.#failedStarts >= policy.maxFailures) {
        const starts = pluralise(this.#failedStarts, "start");
        this.#transition(
          "failed",
          `crash loop: ${starts} in a row ended before ready; last: ${outcome.reason}`,
          "crash-loop",
        );
        return;
      }
      const wait = computeBackoffDelay(this.#failures, policy, this.#options.random);
      this.#nextAttemptAt = Date.now() + wait;
      // No countdown in the reason: it would be frozen; renderers compute it from nextAttemptAt.
      this.#transition("backoff", outcome.reason, outcome.kind, { nextAttemptAt: this.#nextAttemptAt });
      try {
        await delay(wait, signal);
      } catch {
        return;
      }
      this.#restarts += 1;
      reason = `restart ${this.#restarts} after ${formatDuration(Date.now() - runStart)}`;
      kind = "auto-restart";
    }
  }

  /** One process from spawn to exit. Undefined when stopped on request; else why it ended. */
  async #runOnce(signal: AbortSignal, reason: string, kind: TransitionKind): Promise<RunEnd | undefined> {
    const server = this.#options.server;
    this.#transition("starting", reason, kind);
    const forwarder = createStderrForwarder(this.#logger);
    let process: Link;
    const callbacks: LinkCallbacks = {
      onLine: (line) => this.#onStdoutLine(line),
      onDiagnostic: (line) => {
        this.stderr.push(line);
        forwarder.forward(line);
      },
    };
    // Lines pushed from here on are this run's (the previous process is gone before the next spawn).
    const stderrMark = this.stderr.total;
    try {
      process = await this.#openLink(callbacks, signal);
    } catch (error) {
      if (signal.aborted) return undefined;
      return {
        reason: describeError(error),
        kind: "spawn-failed",
        reachedReady: false,
        readyForMs: 0,
        permanent: isCorralError(error, "ISOLATION_UNAVAILABLE"),
      };
    }
    let endedAt: number | undefined;
    void process.ended.then(() => {
      endedAt = Date.now();
    });
    const exitReason = () => this.#exitReason(process, stderrMark, endedAt ?? Date.now());
    const control = new ControlChannel(server.name, (line) => process.writeLine(line));
    this.#process = process;
    this.#control = control;
    if (process.record !== undefined) {
      this.#options.stateDir.recordChild({
        server: server.name,
        instance: this.#options.id,
        ...process.record,
        containment: this.#options.containment.kind,
        startedAt: new Date().toISOString(),
      });
    }
    let ended: Omit<RunEnd, "readyForMs" | "reachedReady"> | undefined;
    try {
      const startedAt = Date.now();
      ended = await this.#handshake(process, control, signal, exitReason);
      if (signal.aborted) return undefined;
      if (ended !== undefined) return { ...ended, reachedReady: false, readyForMs: 0 };
      const readyAt = Date.now();
      this.#transition("ready", `initialize ok in ${formatDuration(readyAt - startedAt)}`, "ready");
      ended = await this.#monitor(process, control, signal, exitReason);
      return ended === undefined
        ? undefined
        : { ...ended, reachedReady: true, readyForMs: Date.now() - readyAt };
    } finally {
      const endReason =
        process.endInfo === undefined
          ? `is stopping (${signal.aborted ? describeError(signal.reason) : (ended?.reason ?? "stop")})`
          : exitReason();
      control.close(this.#redact(`server "${server.name}" ${endReason}`));
      for (const listener of [...this.#endListeners]) listener(this.#redact(endReason));
      if (process.endInfo === undefined) {
        if (signal.aborted) this.#transition("stopping", describeError(signal.reason), this.#stopKind);
        else
          this.#transition("stopping", `restarting: ${ended?.reason ?? "unknown"}`, ended?.kind ?? "exited");
      }
      // Also sweeps the group of a leader that already exited (a no-op inside a PID namespace).
      this.#lastStop = await process.terminate(server.stop);
      forwarder.flush();
      this.#options.stateDir.forgetChild(this.#options.id);
    }
  }

  async #openLink(callbacks: LinkCallbacks, signal: AbortSignal): Promise<Link> {
    const { server, containment, gatewayEnv, stateDir, openRemoteLink, openContainerLink, isolation } =
      this.#options;
    if (server.container !== undefined) {
      if (openContainerLink === undefined) throw new Error("no way to run container servers in this process");
      return openContainerLink(server, this.#options.id, callbacks, signal);
    }
    if (server.transport === "stdio") {
      this.#spawns += 1;
      const name = `${this.#options.id}.${this.#spawns}`;
      return openProcessLink(
        { server, containment, gatewayEnv, stateDir: stateDir.path, isolation, name },
        callbacks,
      );
    }
    if (openRemoteLink === undefined)
      throw new Error(`no way to reach ${server.transport} servers in this process`);
    return openRemoteLink(server, callbacks, signal);
  }

  /** "exit code 1: <last stderr line>", quoting only what this process wrote just before it ended. */
  #exitReason(process: Link, stderrMark: number, endedAt: number): string {
    const exit = process.endInfo?.reason ?? "exited";
    const last = this.stderr.total > stderrMark ? this.stderr.tail(1)[0] : undefined;
    if (last === undefined || last.text.trim() === "" || last.at < endedAt - EXIT_QUOTE_WINDOW_MS)
      return exit;
    return `${exit}: ${last.text.trim().slice(0, 200)}`;
  }

  #endKind(process: Link): RunEndKind {
    return process.endInfo?.kind ?? "connection-closed";
  }

  async #handshake(
    process: Link,
    control: ControlChannel,
    signal: AbortSignal,
    exitReason: () => string,
  ): Promise<Omit<RunEnd, "readyForMs" | "reachedReady"> | undefined> {
    const server = this.#options.server;
    const beforeInitialize = () => ({
      reason: `${exitReason()} (before initialize)`,
      kind: this.#endKind(process),
    });
    const exited = process.ended.then(beforeInitialize);
    const initialize = control
      .request(
        "initialize",
        {
          protocolVersion: GATEWAY_PROTOCOL_VERSION,
          capabilities: this.#options.clientCapabilities ?? {},
          clientInfo: this.#options.clientInfo,
        },
        { timeoutMs: server.startupTimeoutMs, signal },
      )
      .then(
        (result) => {
          this.#initializeResult = result;
          control.notify("notifications/initialized");
          return undefined;
        },
        (error: unknown) => {
          if (signal.aborted) return undefined;
          if (process.endInfo !== undefined) return beforeInitialize();
          if (isCorralError(error, "REQUEST_TIMEOUT")) {
            const after = formatDuration(server.startupTimeoutMs);
            return {
              reason: `startup timeout: no initialize answer after ${after}`,
              kind: "startup-timeout" as const,
            };
          }
          return { reason: `initialize failed: ${describeError(error)}`, kind: "handshake-failed" as const };
        },
      );
    const failure = await Promise.race([initialize, exited]);
    return signal.aborted ? undefined : failure;
  }

  /** Waits for the process to end, pinging it; resolves with why it ended, undefined when stopped. */
  async #monitor(
    process: Link,
    control: ControlChannel,
    signal: AbortSignal,
    exitReason: () => string,
  ): Promise<Omit<RunEnd, "readyForMs" | "reachedReady"> | undefined> {
    const health = this.#options.server.health;
    const local = new AbortController();
    this.#monitorSignal = local.signal;
    const onAbort = () => local.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const healthLoop = async (): Promise<Omit<RunEnd, "readyForMs" | "reachedReady"> | undefined> => {
      let misses = 0;
      while (!local.signal.aborted) {
        try {
          await delay(health.intervalMs, local.signal);
          await control.request("ping", undefined, { timeoutMs: health.timeoutMs, signal: local.signal });
          if (misses > 0) this.#transition("ready", "ping answered again", "ping-recovered");
          misses = 0;
        } catch {
          if (local.signal.aborted || process.endInfo !== undefined) return undefined;
          misses += 1;
          if (misses >= health.failureThreshold) {
            return { reason: `health: ${pluralise(misses, "ping")} unanswered`, kind: "health-failed" };
          }
          this.#transition(
            "degraded",
            `ping unanswered (${misses}/${health.failureThreshold})`,
            "ping-missed",
          );
        }
      }
      return undefined;
    };
    const aborted = new Promise<undefined>((resolve) =>
      local.signal.addEventListener("abort", () => resolve(undefined), { once: true }),
    );
    try {
      const result = await Promise.race([
        process.ended.then(() => ({ reason: exitReason(), kind: this.#endKind(process) })),
        healthLoop().then((failure) => failure ?? aborted),
        aborted,
      ]);
      return signal.aborted ? undefined : result;
    } finally {
      signal.removeEventListener("abort", onAbort);
      local.abort();
      if (this.#monitorSignal === local.signal) this.#monitorSignal = undefined;
    }
  }

  #onStdoutLine(line: Buffer): void {
    if (line.length === 0) return;
    // Control ids are strings, so a response with a numeric id is always the gateway's.
    if (this.#responseLineListener !== undefined) {
      const response = findResponseId(line);
      if (response !== undefined) {
        this.#responseLineListener(response);
        return;
      }
    }
    let message: unknown;
    try {
      message = JSON.parse(line.toString("utf8"));
    } catch {
      this.#onGarbage(line);
      return;
    }
    if (
      typeof message !== "object" ||
      message === null ||
      (message as { jsonrpc?: unknown }).jsonrpc !== "2.0"
    ) {
      this.#onGarbage(line);
      return;
    }
    if (isJsonRpcResponse(message) && ControlChannel.isControlId(message.id)) {
      this.#control?.handleResponse(message);
      return;
    }
    if (this.#messageListener !== undefined) {
      this.#messageListener(message as JsonRpcMessage, line);
    } else if (isJsonRpcRequest(message)) {
      // Nobody routes server→client requests yet: answer so the server does not wait forever.
      this.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: message.id,
          error: { code: -32601, message: `corral: no client to route ${message.method} to` },
        }),
      );
    }
  }

  #onGarbage(line: Buffer): void {
    this.#garbageLines += 1;
    // Log the first few and then every thousandth: enough to diagnose, never a flood.
    if (this.#garbageLines <= 5 || this.#garbageLines % 1_000 === 0) {
      this.#logger.warn(
        { count: this.#garbageLines, sample: line.subarray(0, 120).toString("utf8") },
        "stdout line is not JSON-RPC; ignored (stdout is the protocol channel: log to stderr)",
      );
    }
  }
}
