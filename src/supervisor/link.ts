// A live link to one running copy of a server: a supervised process, or a connection to a remote
// server. The instance's life (handshake, health, backoff, stop) is the same over either.

import type { ServerConfig, StopPolicy } from "../config/index.js";
import { describeError, type JsonLine } from "../core/index.js";
import {
  type CgroupHost,
  type Containment,
  findSandboxTools,
  type ProcessUsage,
  signalProcessGroup,
} from "../platform/index.js";
import { buildChildEnv } from "./child-env.js";
import type { RunEndKind } from "./instance-state.js";
import { type LimitsStatus, planLimits, readLinkUsage, watchAdvisoryLimits } from "./limits.js";
import { type ExitInfo, type ServerProcess, spawnServerProcess } from "./server-process.js";
import type { ChildRecord } from "./state-dir.js";
import { type StopOutcome, terminateServerProcess } from "./stop-ladder.js";

export interface LinkEnd {
  /** "exit code 1", "signal SIGKILL", "connection lost: ECONNREFUSED" … */
  readonly reason: string;
  /** The same, as data; a link that cannot tell (a remote connection) leaves it out: "connection-closed". */
  readonly kind?: RunEndKind;
  /** The most memory the process's cgroup ever held, when it had one. */
  readonly peakMemoryBytes?: number;
}

export interface Link {
  /** The process id, for processes; undefined for remote connections. */
  readonly pid: number | undefined;
  /** What the state dir records so a later start can end this link's process, if any. */
  readonly record: Pick<ChildRecord, "pid" | "pgid" | "startTime"> | undefined;
  readonly ended: Promise<LinkEnd>;
  readonly endInfo: LinkEnd | undefined;
  writeLine(line: JsonLine): boolean;
  /** Memory and CPU of the running process tree; undefined for remote links and ended processes. */
  usage?(): ProcessUsage | undefined;
  /** The limits of a process link and how each is kept. */
  readonly limits?: LimitsStatus;
  /** Ends the link: the stop ladder for a process, closing the session for a connection. */
  terminate(stop: StopPolicy): Promise<StopOutcome>;
}

export interface LinkCallbacks {
  /** One protocol message (a JSON line). */
  onLine(line: Buffer): void;
  /** One line of diagnostics (a process's stderr, a transport's errors). */
  onDiagnostic(line: string): void;
}

/** Opens links to remote (http/sse) servers; provided by the upstream layer through the cli. */
export type RemoteLinkOpener = (
  server: ServerConfig,
  callbacks: LinkCallbacks,
  signal: AbortSignal,
) => Promise<Link>;

/** Opens links to `runtime: container` servers; made by the supervisor, which holds the engine client. */
export type ContainerLinkOpener = (
  server: ServerConfig,
  instanceId: string,
  callbacks: LinkCallbacks,
  signal: AbortSignal,
) => Promise<Link>;

/** What keeps processes in bounds: the host's cgroups, and the gateway's process budget. */
export interface ProcessIsolation {
  readonly cgroups: CgroupHost;
  /** Throws when one more process would pass the gateway's `maxProcesses`. */
  readonly admit?: (server: string) => void;
}

export interface ProcessLinkOptions {
  readonly server: ServerConfig;
  readonly containment: Containment;
  readonly gatewayEnv: Readonly<Record<string, string | undefined>>;
  readonly stateDir: string;
  readonly isolation: ProcessIsolation;
  /** Unique per spawn: names the process's cgroup. */
  readonly name: string;
}

export function openProcessLink(options: ProcessLinkOptions, callbacks: LinkCallbacks): Link {
  const { server, isolation } = options;
  isolation.admit?.(server.name);
  const sandboxTools =
    server.sandbox === undefined ? undefined : findSandboxTools(options.gatewayEnv.PATH ?? "", server.name);
  const plan = planLimits(server, isolation.cgroups, options.name);
  let process: ServerProcess;
  try {
    process = spawnServerProcess({
      server,
      containment: options.containment,
      env: buildChildEnv(server, options.gatewayEnv),
      stateDir: options.stateDir,
      onStdoutLine: callbacks.onLine,
      onStderrLine: callbacks.onDiagnostic,
      ...(plan.cgroup === undefined ? {} : { cgroupProcsFiles: plan.cgroup.procsFiles }),
      ...(sandboxTools === undefined ? {} : { sandboxTools }),
    });
  } catch (error) {
    void plan.cgroup?.destroy().catch(() => {});
    throw error;
  }
  let breach: string | undefined;
  const unwatch = watchAdvisoryLimits(process.pid, plan.advisory, (reason) => {
    breach = reason;
    signalProcessGroup(process.pgid, "SIGKILL");
  });
  const describe = (exit: ExitInfo): LinkEnd => {
    const peak = plan.cgroup?.peakMemoryBytes();
    const withPeak = peak === undefined ? {} : { peakMemoryBytes: peak };
    if (breach !== undefined) return { reason: breach, kind: "limit-exceeded", ...withPeak };
    // The kernel's OOM killer sends SIGKILL; its counter tells that apart from any other SIGKILL.
    if (exit.signal === "SIGKILL" && (plan.cgroup?.oomKills() ?? 0) > 0)
      return { reason: "oom-killed", kind: "oom-killed", ...withPeak };
    const kind = exit.signal !== null ? "killed-by-signal" : exit.code === null ? "spawn-failed" : "exited";
    return { reason: exit.reason, kind, ...withPeak };
  };
  let endInfo: LinkEnd | undefined;
  const ended = process.exited.then((exit) => {
    unwatch();
    endInfo = describe(exit);
    return endInfo;
  });
  return {
    pid: process.pid,
    record: { pid: process.pid, pgid: process.pgid, startTime: process.startTime },
    ended,
    get endInfo() {
      return endInfo;
    },
    limits: plan.status,
    usage: () => (process.exitInfo === undefined ? readLinkUsage(plan.cgroup, process.pid) : undefined),
    writeLine: (line) => process.writeLine(line),
    async terminate(stop) {
      unwatch();
      const outcome = await terminateServerProcess(process, stop);
      await ended;
      // The cgroup outlives the stop ladder only by what escaped it; this kills that and removes it.
      try {
        await plan.cgroup?.destroy();
      } catch (error) {
        callbacks.onDiagnostic(`corral: ${describeError(error)}`);
      }
      return outcome;
    },
  };
}
