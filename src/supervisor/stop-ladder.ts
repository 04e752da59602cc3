// The stop ladder: close stdin and wait, SIGTERM the process group and wait, SIGKILL the group.
// Each rung waits for the `exit` event, never for a fixed time when the process is already gone.

import type { StopPolicy } from "../config/index.js";
import { delay, settlesWithin } from "../core/index.js";
import { isProcessAlive, listDescendants, type ProcessStat, signalProcessGroup } from "../platform/index.js";
import type { ServerProcess } from "./server-process.js";

export type StopRung = "already-exited" | "stdin" | "sigterm" | "sigkill" | "closed";

export interface StopOutcome {
  readonly rung: StopRung;
  readonly durationMs: number;
}

export async function terminateServerProcess(
  process: ServerProcess,
  policy: StopPolicy,
): Promise<StopOutcome> {
  const startedAt = Date.now();
  const outcome = (rung: StopRung): StopOutcome => ({ rung, durationMs: Date.now() - startedAt });
  if (process.exitInfo !== undefined) {
    // The leader is gone, but members of its group may linger (without a PID namespace).
    signalProcessGroup(process.pgid, "SIGKILL");
    return outcome("already-exited");
  }
  process.closeStdin();
  if (await settlesWithin(process.exited, policy.stdinGraceMs)) {
    signalProcessGroup(process.pgid, "SIGKILL");
    return outcome("stdin");
  }
  signalProcessGroup(process.pgid, "SIGTERM");
  if (await settlesWithin(process.exited, policy.termGraceMs)) {
    signalProcessGroup(process.pgid, "SIGKILL");
    return outcome("sigterm");
  }
  // SIGKILL ends the leader at once; what it leaves (the namespace it anchors, group members) dies
  // a moment later. Remember them now and wait for them, so "stopped" means the whole tree is gone.
  const tree = listDescendants(process.pid);
  signalProcessGroup(process.pgid, "SIGKILL");
  await process.exited;
  await waitForGone(tree, LINGER_LIMIT_MS);
  return outcome("sigkill");
}

const LINGER_LIMIT_MS = 2_000;

async function waitForGone(processes: readonly ProcessStat[], limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  let alive = processes.filter((stat) => isProcessAlive(stat.pid, stat.startTime));
  while (alive.length > 0 && Date.now() < deadline) {
    await delay(5);
    alive = alive.filter((stat) => isProcessAlive(stat.pid, stat.startTime));
  }
}
