// Every process the benchmark starts: spawned detached (its own process group), optionally pinned to
// the server-side core, remembered with its descendants (by pid and start time, so a reused pid is
// never touched), and stopped by pid: a polite signal first, then SIGKILL to the group and to every
// remembered descendant still alive.

import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { isAlive, listDescendants, readStat } from "./proc.mjs";

export class ProcessTracker {
  /** pid → { startTime, label } of every process started or seen below one. */
  #known = new Map();
  #roots = [];
  #logDir;
  #serverCpu;

  /**
   * @param {string} logDir where each process's output goes (`<label>.log`)
   * @param {string | undefined} serverCpu a CPU list for `taskset -c` (the `--pin` option), or undefined
   */
  constructor(logDir, serverCpu) {
    this.#logDir = logDir;
    this.#serverCpu = serverCpu;
  }

  /** The command line for a server-side process: under `taskset -c` when pinning (taskset execs). */
  command(command, args) {
    return this.#serverCpu === undefined
      ? { command, args }
      : { command: "taskset", args: ["-c", this.#serverCpu, command, ...args] };
  }

  /**
   * Starts a process in its own process group. stdin/stdout are pipes when asked for, stderr (and
   * stdout otherwise) go to `<logDir>/<label>.log`.
   */
  spawn(label, command, args, { env, stdin = "ignore", stdout = "log" } = {}) {
    const wrapped = this.command(command, args);
    const log = openSync(join(this.#logDir, `${label}.log`), "a");
    let child;
    try {
      child = spawn(wrapped.command, wrapped.args, {
        env,
        detached: true,
        stdio: [stdin, stdout === "pipe" ? "pipe" : log, log],
      });
    } finally {
      closeSync(log);
    }
    const exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", (error) => resolve({ code: null, signal: null, error }));
    });
    const pid = child.pid;
    if (pid !== undefined) {
      const stat = readStat(pid);
      if (stat !== undefined) this.#known.set(pid, { startTime: stat.startTime, label });
      this.#roots.push(pid);
    }
    return { child, pid, exited, label };
  }

  /** Remembers a process started by someone else on our behalf (the SDK's stdio transport). */
  adopt(pid, label) {
    const stat = readStat(pid);
    if (stat !== undefined) this.#known.set(pid, { startTime: stat.startTime, label });
  }

  /** Pids of the live descendants of `pid`. */
  descendantsOf(pid) {
    return listDescendants(pid).map((stat) => stat.pid);
  }

  /** Remembers the current descendants of every started process (call after each phase). */
  sample() {
    for (const root of this.#roots) {
      for (const stat of listDescendants(root)) {
        if (!this.#known.has(stat.pid))
          this.#known.set(stat.pid, { startTime: stat.startTime, label: `descendant of ${root}` });
      }
    }
  }

  /**
   * Stops one started process: `signal` to its pid, up to `graceMs` for it to exit, then SIGKILL to
   * its process group and to its remembered descendants that are still alive.
   */
  async stop(handle, { signal = "SIGTERM", graceMs = 8_000 } = {}) {
    if (handle.pid === undefined) return;
    this.sample();
    const below = listDescendants(handle.pid).map((stat) => stat.pid);
    if (handle.child.exitCode === null && handle.child.signalCode === null) {
      try {
        process.kill(handle.pid, signal);
      } catch {
        // Already gone.
      }
      let timer;
      await Promise.race([
        handle.exited,
        new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    killGroup(handle.pid);
    for (const pid of below) this.#killIfKnown(pid);
    this.#killIfKnown(handle.pid);
  }

  /** Every process ever seen that is still alive now. */
  survivors() {
    this.sample();
    return [...this.#known.entries()]
      .filter(([pid, known]) => pid !== process.pid && isAlive(pid, known.startTime))
      .map(([pid, known]) => ({ pid, label: known.label }));
  }

  /** SIGKILL to every survivor, by pid; returns what had to be killed. */
  killSurvivors() {
    const left = this.survivors();
    for (const { pid } of left) {
      killGroup(pid);
      this.#killIfKnown(pid);
    }
    return left;
  }

  #killIfKnown(pid) {
    const known = this.#known.get(pid);
    if (known === undefined || !isAlive(pid, known.startTime)) return;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone in the meantime.
    }
  }
}

function killGroup(pgid) {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // No such group any more.
  }
}

/** Resolves with the first match of `pattern` in a readable stream's lines, or rejects at the deadline. */
export function waitForLine(stream, pattern, timeoutMs, what, onLine = () => {}) {
  return new Promise((resolve, reject) => {
    let buffer = "";
    let matched = false;
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
    stream.setEncoding("utf8");
    stream.on("data", (text) => {
      buffer += text;
      let newline = buffer.indexOf("\n");
      while (newline !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        onLine(line);
        const match = matched ? null : pattern.exec(line);
        if (match !== null) {
          matched = true;
          clearTimeout(timer);
          resolve(match);
        }
        newline = buffer.indexOf("\n");
      }
    });
    stream.on("end", () => {
      if (matched) return;
      clearTimeout(timer);
      reject(new Error(`stream ended before ${what}`));
    });
  });
}
