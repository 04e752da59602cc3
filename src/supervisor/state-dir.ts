// The state dir: one lock per gateway, and a record per running child (pid, start time, process
// group) so the next start can end what a killed gateway left behind, and only that.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CorralError, delay } from "../core/index.js";
import {
  isProcessAlive,
  listProcesses,
  type ProcessStat,
  readProcessStat,
  signalProcessGroup,
} from "../platform/index.js";

export interface ChildRecord {
  readonly server: string;
  readonly instance: string;
  readonly pid: number;
  readonly pgid: number;
  readonly startTime: string;
  readonly containment: string;
  readonly startedAt: string;
}

export interface LockHolder {
  readonly pid: number;
  readonly startTime: string;
  readonly startedAt: string;
}

export interface StateDir {
  readonly path: string;
  recordChild(record: ChildRecord): void;
  forgetChild(instance: string): void;
  listChildRecords(): ChildRecord[];
  release(): void;
}

function writeJsonAtomic(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value)}\n`);
  renameSync(temporary, path);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

function safeFileName(instance: string): string {
  return `${instance.replace(/[^a-zA-Z0-9_.-]/g, "_")}.json`;
}

/** Takes the state dir's lock, or throws STATE_DIR_LOCKED naming the living holder. */
export function openStateDir(path: string, self = { pid: process.pid }): StateDir {
  mkdirSync(join(path, "children"), { recursive: true });
  const lockPath = join(path, "corral.lock");
  const holder = readJson<LockHolder>(lockPath);
  if (holder !== undefined && holder.pid !== self.pid && isProcessAlive(holder.pid, holder.startTime)) {
    throw new CorralError(
      "STATE_DIR_LOCKED",
      `state dir ${path} is in use by corral PID ${holder.pid} (since ${holder.startedAt}); stop it, or pass --state-dir to use another`,
      { details: { pid: holder.pid } },
    );
  }
  const me: LockHolder = {
    pid: self.pid,
    startTime: readProcessStat(self.pid)?.startTime ?? "",
    startedAt: new Date().toISOString(),
  };
  // Write-then-rename, then read back: of two gateways racing for a stale lock, the loser sees the
  // winner's pid and refuses.
  writeJsonAtomic(lockPath, me);
  const winner = readJson<LockHolder>(lockPath);
  if (winner?.pid !== me.pid) {
    throw new CorralError(
      "STATE_DIR_LOCKED",
      `state dir ${path} was just taken by corral PID ${winner?.pid}`,
      {
        details: { pid: winner?.pid },
      },
    );
  }
  const childrenDir = join(path, "children");
  return {
    path,
    recordChild(record) {
      writeJsonAtomic(join(childrenDir, safeFileName(record.instance)), record);
    },
    forgetChild(instance) {
      rmSync(join(childrenDir, safeFileName(instance)), { force: true });
    },
    listChildRecords() {
      const records: ChildRecord[] = [];
      for (const name of readdirSync(childrenDir)) {
        if (!name.endsWith(".json")) continue;
        const record = readJson<ChildRecord>(join(childrenDir, name));
        if (record !== undefined) records.push(record);
      }
      return records;
    },
    release() {
      const current = readJson<LockHolder>(lockPath);
      if (current?.pid === me.pid) rmSync(lockPath, { force: true });
    },
  };
}

export interface ReapOutcome {
  readonly record: ChildRecord;
  /** Processes that were still alive and were killed. */
  readonly killed: number;
}

/**
 * Ends what a previous run left. A record's process group is ours when its leader is still the
 * recorded process (pid and start time match), or when it has no leader at all: the kernel never
 * hands out a pid still in use as a group id, so leaderless members were in the group all along.
 * A leader with another start time means the pid was reused: nothing of that group is touched.
 */
export async function reapLeftovers(stateDir: StateDir, waitMs = 2_000): Promise<ReapOutcome[]> {
  const outcomes: ReapOutcome[] = [];
  const records = stateDir.listChildRecords();
  if (records.length === 0) return outcomes;
  const processes = listProcesses();
  const killed: ProcessStat[] = [];
  for (const record of records) {
    const leader = processes.find((stat) => stat.pid === record.pgid);
    const groupIsOurs = leader === undefined || leader.startTime === record.startTime;
    const members = groupIsOurs
      ? processes.filter((stat) => stat.pgid === record.pgid && stat.state !== "Z" && stat.state !== "X")
      : [];
    if (members.length > 0) signalProcessGroup(record.pgid, "SIGKILL");
    stateDir.forgetChild(record.instance);
    outcomes.push({ record, killed: members.length });
    killed.push(...members);
  }
  // SIGKILL is final, but the kernel takes a moment; callers expect the old tree gone on return.
  const deadline = Date.now() + waitMs;
  while (killed.some((stat) => isProcessAlive(stat.pid, stat.startTime)) && Date.now() < deadline) {
    await delay(10);
  }
  return outcomes;
}
