// Reads Linux /proc: identity (pid + start time) of a process, its group and session, its parent,
// and its resource use. A pid alone is never trusted: pids are reused, start times are not.

import { readdirSync, readFileSync } from "node:fs";

export interface ProcessStat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** One letter: R, S, D, Z (zombie), T, X … */
  readonly state: string;
  /** Start time in clock ticks since boot, as /proc prints it; with the pid it identifies a process. */
  readonly startTime: string;
  /** User + system CPU time in clock ticks. */
  readonly cpuTicks: number;
  readonly comm: string;
}

// Linux has used USER_HZ = 100 on every architecture for decades; /proc reports in these units.
const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

/** Parses /proc/<pid>/stat; the command name may contain spaces and parentheses, so split after the last ")". */
export function parseProcessStat(text: string): ProcessStat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).split(" ");
  // fields[0] is field 3 (state) of proc(5).
  const at = (field: number) => fields[field - 3] ?? "";
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: at(3),
    ppid: Number(at(4)),
    pgid: Number(at(5)),
    sid: Number(at(6)),
    cpuTicks: Number(at(14)) + Number(at(15)),
    startTime: at(22),
  };
}

export function readProcessStat(pid: number): ProcessStat | undefined {
  try {
    return parseProcessStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie; with `startTime`, only if it is that same process. */
export function isProcessAlive(pid: number, startTime?: string): boolean {
  const stat = readProcessStat(pid);
  if (stat === undefined || stat.state === "Z" || stat.state === "X") return false;
  return startTime === undefined || stat.startTime === startTime;
}

export function listProcesses(): ProcessStat[] {
  const stats: ProcessStat[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readProcessStat(pid);
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}

/** Every living descendant of `pid` that is still linked to it by parentage (not those reparented away). */
export function listDescendants(
  pid: number,
  processes: readonly ProcessStat[] = listProcesses(),
): ProcessStat[] {
  const children = new Map<number, ProcessStat[]>();
  for (const stat of processes) {
    const siblings = children.get(stat.ppid);
    if (siblings === undefined) children.set(stat.ppid, [stat]);
    else siblings.push(stat);
  }
  const found: ProcessStat[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      if (child.state === "Z") continue;
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

export interface ProcessUsage {
  readonly rssBytes: number;
  readonly cpuSeconds: number;
}

/** Resident memory and CPU time of one process; undefined once it is gone. */
export function readProcessUsage(pid: number): ProcessUsage | undefined {
  const stat = readProcessStat(pid);
  if (stat === undefined) return undefined;
  try {
    const residentPages = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return { rssBytes: residentPages * PAGE_SIZE, cpuSeconds: stat.cpuTicks / CLOCK_TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** Sum of the usage of `pid` and all its descendants. */
export function readTreeUsage(pid: number): ProcessUsage | undefined {
  const processes = listProcesses();
  const root = readProcessUsage(pid);
  if (root === undefined) return undefined;
  let rssBytes = root.rssBytes;
  let cpuSeconds = root.cpuSeconds;
  for (const child of listDescendants(pid, processes)) {
    const usage = readProcessUsage(child.pid);
    rssBytes += usage?.rssBytes ?? 0;
    cpuSeconds += usage?.cpuSeconds ?? 0;
  }
  return { rssBytes, cpuSeconds };
}
