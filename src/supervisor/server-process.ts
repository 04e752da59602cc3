// Spawns one server process: its own process group, a minimal environment, the host's strongest
// containment (platform), stdout split into protocol lines, stderr into a ring and the log.

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { constants } from "node:os";
import type { ServerConfig } from "../config/index.js";
import { CorralError, type JsonLine } from "../core/index.js";
import {
  type Containment,
  cgroupJoinPrefix,
  readProcessStat,
  resolveExecutable,
  type SandboxTools,
  sandboxArgv,
  wrapCommand,
} from "../platform/index.js";
import { LineSplitter } from "./line-splitter.js";
import { writeJsonLine } from "./line-writer.js";

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** "exit code 1", "signal SIGKILL", "spawn failed: …". */
  readonly reason: string;
}

export interface SpawnServerOptions {
  readonly server: ServerConfig;
  readonly containment: Containment;
  readonly env: Record<string, string>;
  /** Folders the spawn may create first (a cwd inside the state dir). */
  readonly stateDir: string;
  readonly onStdoutLine: (line: Buffer) => void;
  readonly onStderrLine: (line: string) => void;
  readonly maxLineBytes?: number;
  /** `cgroup.procs` files the process joins before the server runs (platform cgroupJoinPrefix). */
  readonly cgroupProcsFiles?: readonly string[];
  /** Runs the server inside bubblewrap with the server's `sandbox` settings. */
  readonly sandboxTools?: SandboxTools;
}

export interface ServerProcess {
  readonly pid: number;
  readonly pgid: number;
  readonly startTime: string;
  readonly exited: Promise<ExitInfo>;
  readonly exitInfo: ExitInfo | undefined;
  /** Writes (or queues) one message line; false only when stdin is closed. */
  writeLine(line: JsonLine): boolean;
  closeStdin(): void;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);
const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;
const MAX_STDERR_LINE_BYTES = 16 * 1024;

function describeExit(code: number | null, signal: NodeJS.Signals | null, statusFromInit: boolean): ExitInfo {
  if (signal !== null) return { code, signal, reason: `signal ${signal}` };
  // The namespace init reports a server killed by signal N as status 128+N, as a shell does.
  const initSignal = statusFromInit && code !== null && code > 128 ? SIGNAL_NAMES.get(code - 128) : undefined;
  if (initSignal !== undefined) return { code, signal: initSignal, reason: `signal ${initSignal}` };
  return { code, signal: null, reason: `exit code ${code}` };
}

function ensureCwd(cwd: string, stateDir: string): void {
  // A working folder inside the state dir is Corral's to create (e.g. the filesystem example's root).
  if (cwd === stateDir || cwd.startsWith(`${stateDir}/`)) mkdirSync(cwd, { recursive: true });
}

export function spawnServerProcess(options: SpawnServerOptions): ServerProcess {
  const { server, containment, env } = options;
  if (server.command === undefined) {
    throw new CorralError("SPAWN_FAILED", `server "${server.name}" has no command`, { server: server.name });
  }
  ensureCwd(server.cwd, options.stateDir);
  const executable = resolveExecutable(server.command, env.PATH ?? "", server.cwd);
  if (executable === undefined) {
    throw new CorralError(
      "SPAWN_FAILED",
      `command "${server.command}" of server "${server.name}" was not found or is not executable (PATH=${env.PATH ?? ""}); install it or give an absolute path`,
      { server: server.name },
    );
  }
  // Outside in: join the cgroups, then the containment (PID namespace), then the sandbox, then the server.
  const [inner = executable, ...innerArgs] =
    options.sandboxTools === undefined || server.sandbox === undefined
      ? [executable, ...server.args]
      : sandboxArgv(
          options.sandboxTools,
          { ...server.sandbox, cwd: server.cwd, stateDir: options.stateDir, home: env.HOME },
          server.name,
          executable,
          server.args,
        );
  const wrapped = wrapCommand(containment, inner, innerArgs);
  const argv =
    options.cgroupProcsFiles === undefined || options.cgroupProcsFiles.length === 0
      ? [wrapped.command, ...wrapped.args]
      : [...cgroupJoinPrefix(options.cgroupProcsFiles), wrapped.command, ...wrapped.args];
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(argv[0] ?? wrapped.command, argv.slice(1), {
      cwd: server.cwd,
      env,
      detached: true, // own session and process group: the stop ladder signals the group
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (error) {
    throw new CorralError("SPAWN_FAILED", `could not start server "${server.name}": ${String(error)}`, {
      server: server.name,
      cause: error,
    });
  }
  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("exit", (code, signal) => {
      exitInfo = describeExit(code, signal, wrapped.statusFromInit);
      resolve(exitInfo);
    });
    child.once("error", (error) => {
      // 'error' without 'exit' means the spawn itself failed.
      if (child.pid === undefined) {
        exitInfo = { code: null, signal: null, reason: `spawn failed: ${error.message}` };
        resolve(exitInfo);
      }
    });
  });

  const stdout = new LineSplitter({
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    onLine: options.onStdoutLine,
  });
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stdout.on("end", () => stdout.flush());
  const stderrLines = new LineSplitter({
    maxLineBytes: MAX_STDERR_LINE_BYTES,
    onLine: (line) => options.onStderrLine(line.toString("utf8")),
    onOverlong: (bytes) => options.onStderrLine(`[corral: ${bytes} bytes without a newline dropped]`),
  });
  child.stderr.on("data", (chunk: Buffer) => stderrLines.push(chunk));
  child.stderr.on("end", () => stderrLines.flush());
  // A server that exits while we write gets EPIPE; the exit is reported through `exited`.
  child.stdin.on("error", () => {});

  const pid = child.pid ?? -1;
  const stat = pid > 0 ? readProcessStat(pid) : undefined;
  return {
    pid,
    pgid: pid,
    startTime: stat?.startTime ?? "",
    exited,
    get exitInfo() {
      return exitInfo;
    },
    writeLine(line) {
      if (child.stdin.destroyed || child.stdin.writableEnded) return false;
      writeJsonLine(child.stdin, line);
      return true;
    },
    closeStdin() {
      if (!child.stdin.destroyed) child.stdin.end();
    },
  };
}
