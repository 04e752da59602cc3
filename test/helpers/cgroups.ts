// Cgroups for tests: a host with a key of its own per test (so parallel runs never share folders),
// the reason to skip when this kernel really lacks a controller, and every folder Corral left.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type CgroupHost, detectCgroups, type LimitController } from "../../src/platform/index.js";

let made = 0;

/** Unique per test run (scripts/run-tests.mjs checks no `t<run>-*` cgroup outlives it) and per test. */
export function testCgroupKey(): string {
  made += 1;
  return `t${process.env.CORRAL_TEST_RUN ?? "local"}-${process.pid}-${made}`;
}

export function testCgroups(key = testCgroupKey()): CgroupHost {
  return detectCgroups({ mode: "auto", key });
}

/** Why a test of these controllers cannot run here, or undefined when it can. */
export function missingControllers(
  host: CgroupHost,
  controllers: readonly LimitController[],
): string | undefined {
  const missing = controllers
    .map((controller) => [controller, host.unavailable[controller]] as const)
    .filter(([, why]) => why !== undefined);
  if (missing.length === 0) return undefined;
  return `this kernel/host cannot enforce ${missing.map(([c, why]) => `${c} (${why})`).join("; ")}`;
}

/** Every cgroup folder under `corral/<key>` in every mounted hierarchy (the key's folder included). */
export function corralCgroupFolders(key: string): string[] {
  const out = execFileSync(
    "find",
    ["/sys/fs/cgroup", "-maxdepth", "6", "-type", "d", "-path", `*/corral/${key}*`],
    {
      encoding: "utf8",
    },
  );
  return out.split("\n").filter((line) => line !== "");
}

/** Tasks (threads included) of a process and all its descendants, counted from /proc. */
export function countTasks(pids: readonly number[]): number {
  let tasks = 0;
  for (const pid of pids) {
    try {
      tasks += readdirSync(join("/proc", String(pid), "task")).length;
    } catch {
      // exited meanwhile
    }
  }
  return tasks;
}

/** utime + stime of one process, in seconds (USER_HZ = 100). */
export function cpuSecondsOf(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
