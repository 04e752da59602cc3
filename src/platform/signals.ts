// Sending signals to processes and process groups, where "already gone" is an answer, not an error.

import { isProcessAlive } from "./proc.js";

/** Signals the whole process group; false when no process of the group is left. */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (pgid <= 1) throw new RangeError(`refusing to signal process group ${pgid}`);
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/**
 * Signals one process, but only if it is still the process we know (same start time), so that a
 * pid reused by an unrelated process is never touched.
 */
export function signalKnownProcess(pid: number, startTime: string, signal: NodeJS.Signals): boolean {
  if (pid <= 1 || !isProcessAlive(pid, startTime)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}
