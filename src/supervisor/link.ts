// A live link to one running copy of a server: a supervised process, or a connection to a remote
// server. The instance's life (handshake, health, backoff, stop) is the same over either.

import type { ServerConfig, StopPolicy } from "../config/index.js";
import type { Containment } from "../platform/index.js";
import { buildChildEnv } from "./child-env.js";
import { spawnServerProcess } from "./server-process.js";
import type { ChildRecord } from "./state-dir.js";
import { type StopOutcome, terminateServerProcess } from "./stop-ladder.js";

export interface LinkEnd {
  /** "exit code 1", "signal SIGKILL", "connection lost: ECONNREFUSED" … */
  readonly reason: string;
}

export interface Link {
  /** The process id, for processes; undefined for remote connections. */
  readonly pid: number | undefined;
  /** What the state dir records so a later start can end this link's process, if any. */
  readonly record: Pick<ChildRecord, "pid" | "pgid" | "startTime"> | undefined;
  readonly ended: Promise<LinkEnd>;
  readonly endInfo: LinkEnd | undefined;
  writeLine(line: string): boolean;
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

export interface ProcessLinkOptions {
  readonly server: ServerConfig;
  readonly containment: Containment;
  readonly gatewayEnv: Readonly<Record<string, string | undefined>>;
  readonly stateDir: string;
}

export function openProcessLink(options: ProcessLinkOptions, callbacks: LinkCallbacks): Link {
  const process = spawnServerProcess({
    server: options.server,
    containment: options.containment,
    env: buildChildEnv(options.server, options.gatewayEnv),
    stateDir: options.stateDir,
    onStdoutLine: callbacks.onLine,
    onStderrLine: callbacks.onDiagnostic,
  });
  return {
    pid: process.pid,
    record: { pid: process.pid, pgid: process.pgid, startTime: process.startTime },
    ended: process.exited,
    get endInfo() {
      return process.exitInfo;
    },
    writeLine: (line) => process.writeLine(line),
    terminate: (stop) => terminateServerProcess(process, stop),
  };
}
