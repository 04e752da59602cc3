// Runs the real `corral` binary as a child process for end-to-end tests: waits for its listening
// line, remembers every process it ever had below it, and on dispose stops it and fails if any of
// those processes is still alive.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { isProcessAlive, listDescendants, type ProcessStat } from "../../src/platform/index.js";
import { waitFor } from "./wait.js";

export const CORRAL_BIN = fileURLToPath(new URL("../../../bin/corral.js", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface CorralRun extends AsyncDisposable {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Set once the listening line is printed. */
  url: string;
  stdout: string;
  stderr: string;
  /** Processes seen below corral so far (sampled every 20 ms and on demand). */
  readonly seen: Map<number, ProcessStat>;
  sample(): void;
  /** Living processes of all that were seen. */
  survivors(): ProcessStat[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends SIGINT and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export interface CorralRunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  /** Wait for the listening line (default true). */
  readonly waitForListening?: boolean;
  readonly timeoutMs?: number;
}

export function runCorral(args: readonly string[], options: CorralRunOptions = {}): Promise<CorralRun> {
  const child = spawn(process.execPath, [CORRAL_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid as number;
  const seen = new Map<number, ProcessStat>();
  const sample = () => {
    for (const stat of listDescendants(pid)) seen.set(stat.pid, stat);
  };
  const sampler = setInterval(sample, 20);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      clearInterval(sampler);
      resolve({ code, signal });
    }),
  );
  const run: CorralRun = {
    child,
    pid,
    url: "",
    stdout: "",
    stderr: "",
    seen,
    sample,
    exited,
    survivors: () => [...seen.values()].filter((stat) => isProcessAlive(stat.pid, stat.startTime)),
    async stop(signal = "SIGINT") {
      const startedAt = Date.now();
      sample();
      child.kill(signal);
      const result = await exited;
      return { ...result, ms: Date.now() - startedAt };
    },
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) {
        sample();
        child.kill("SIGINT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
      const left = await waitFor(() => (run.survivors().length === 0 ? [] : undefined), {
        timeoutMs: 3_000,
        what: "corral's processes to be gone",
      }).catch(() => run.survivors());
      for (const stat of left) process.kill(stat.pid, "SIGKILL");
      assert.deepEqual(
        left.map((stat) => `${stat.pid} ${stat.comm}`),
        [],
        "processes outlived corral",
      );
    },
  };
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    run.stdout += text;
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    run.stderr += text;
  });
  if (options.waitForListening === false) return Promise.resolve(run);
  return waitFor(
    () => {
      const match = /corral listening on (http:\/\/\S+)\n/.exec(run.stdout);
      if (match?.[1] !== undefined) return match[1];
      if (child.exitCode !== null)
        throw new Error(`corral exited with ${child.exitCode} before listening:\n${run.stderr}`);
      return undefined;
    },
    { timeoutMs: options.timeoutMs ?? 60_000, what: "corral listening" },
  ).then((url) => {
    run.url = url;
    return run;
  });
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  return (await response.json()) as T;
}
