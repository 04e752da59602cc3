// What the benchmark reads from /proc: process stats (parent, group, start time, CPU ticks), memory
// (VmRSS, VmHWM), command lines, and the descendants of a process. Linux only.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";

/** Clock ticks per second of utime/stime in /proc/<pid>/stat (CLK_TCK, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

/** Fields of /proc/<pid>/stat, or undefined when the process is gone. */
export function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name may contain spaces and parentheses: fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    pid,
    state: fields[0],
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    startTime: fields[19],
  };
}

/** VmRSS and VmHWM (peak RSS) in bytes, or undefined when the process is gone. */
export function readMemory(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kib = (name) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text);
    return match === null ? 0 : Number(match[1]) * 1024;
  };
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/**
 * Resets a process's VmHWM to its current RSS (`5` to /proc/<pid>/clear_refs, Linux 4.0+), so the
 * peak of one cell can be read on its own; false when the kernel or the process refuses.
 */
export function resetPeakMemory(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

export function readCommandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** Every live (non-zombie) process this /proc shows. */
export function listProcesses() {
  const stats = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat !== undefined && stat.state !== "Z") stats.push(stat);
  }
  return stats;
}

/** Live descendants of `root` (children, grandchildren …), found through parent links. */
export function listDescendants(root) {
  const children = new Map();
  for (const stat of listProcesses()) {
    const list = children.get(stat.ppid) ?? [];
    list.push(stat);
    children.set(stat.ppid, list);
  }
  const found = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** True while the process with this pid is the same one (same start time) and not a zombie. */
export function isAlive(pid, startTime) {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== "Z" && stat.startTime === startTime;
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
export function readMachineCpu() {
  const fields = readFileSync("/proc/stat", "utf8")
    .split("\n", 1)[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Waits until the machine is quiet (below `busyFraction` of all CPUs over two consecutive 250 ms
 * windows), e.g. after dozens of servers were spawned; gives up at the deadline. Returns the ms waited.
 */
export async function waitForQuiet({ busyFraction = 0.1, timeoutMs = 15_000 } = {}) {
  const started = performance.now();
  let quietWindows = 0;
  let before = readMachineCpu();
  while (quietWindows < 2 && performance.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const after = readMachineCpu();
    const total = after.total - before.total;
    quietWindows = total > 0 && (after.busy - before.busy) / total < busyFraction ? quietWindows + 1 : 0;
    before = after;
  }
  return performance.now() - started;
}
