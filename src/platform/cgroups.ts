// One cgroup per instance: the host's hierarchy found (v2 unified, v1 controllers, or none), limits
// written before the server runs, usage and OOM kills read back, and a kill that leaves no task.
// The process joins its cgroups itself, before exec, so not one fork escapes (see cgroupJoinPrefix).
// See docs/isolation.md.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CorralError, delay, describeError } from "../core/index.js";

export type CgroupVersion = "v2" | "v1";
export const CGROUP_MODES = ["auto", "v2", "v1", "none"] as const;
export type CgroupMode = (typeof CGROUP_MODES)[number];
export type LimitController = "memory" | "cpu" | "pids";

export interface CgroupLimits {
  readonly memoryBytes?: number;
  readonly cpu?: number;
  readonly pids?: number;
}

export interface CgroupUsage {
  /** Memory in use without reclaimable page cache (as `docker stats` counts it). */
  readonly memoryBytes: number;
  readonly cpuSeconds: number;
}

/** This gateway's place in the host's cgroups. One per gateway, made at start-up. */
export interface CgroupHost {
  readonly version: CgroupVersion | "none";
  /** What an operator reads in the start-up log. */
  readonly description: string;
  /** Why each limit cannot be enforced here; absent when it can. */
  readonly unavailable: Readonly<Partial<Record<LimitController, string>>>;
  /** Makes the cgroup of one instance run. Throws ISOLATION_UNAVAILABLE when a limit cannot be set. */
  create(name: string, limits: CgroupLimits): InstanceCgroup;
  /** Kills and removes every cgroup a previous run of this gateway left. Returns their names. */
  sweep(): Promise<string[]>;
  /** Removes this gateway's (empty) folders. */
  close(): void;
}

export interface InstanceCgroup {
  readonly name: string;
  /** The `cgroup.procs` files the spawned process writes itself into before it runs the server. */
  readonly procsFiles: readonly string[];
  usage(): CgroupUsage | undefined;
  peakMemoryBytes(): number | undefined;
  /** Processes killed by the kernel's OOM killer inside this cgroup so far. */
  oomKills(): number;
  /** Tasks (processes and threads) in the cgroup now; undefined without the pids controller. */
  tasks(): number | undefined;
  /** Kills every task, waits until the cgroup is empty, and removes it. Idempotent. */
  destroy(): Promise<void>;
}

const CORRAL_FOLDER = "corral";
const CPU_PERIOD_US = 100_000;
const EMPTY_WAIT_MS = 3_000;

interface Mount {
  readonly root: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly superOptions: readonly string[];
}

function readMounts(mountinfo: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of mountinfo.split("\n")) {
    // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
    const [left, right] = line.split(" - ");
    if (left === undefined || right === undefined) continue;
    const fields = left.split(" ");
    const [fsType, , superOptions = ""] = right.split(" ");
    if (fsType === undefined || fields.length < 5) continue;
    mounts.push({
      root: unescapeMountPath(fields[3] ?? "/"),
      mountPoint: unescapeMountPath(fields[4] ?? ""),
      fsType,
      superOptions: superOptions.split(","),
    });
  }
  return mounts;
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** `/proc/self/cgroup`: hierarchy controllers ("memory", "cpu,cpuacct", "" for v2) → own path. */
function readOwnCgroups(text: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) own.set(match[1], match[2]);
  }
  return own;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function readNumber(path: string): number | undefined {
  const text = readText(path)?.trim();
  if (text === undefined || text === "" || text === "max") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** "key value" lines (memory.stat, memory.events, cpu.stat, memory.oom_control). */
function readKeyed(path: string, key: string): number | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  for (const line of text.split("\n")) {
    const [name, value] = line.split(" ");
    if (name === key && value !== undefined) return Number(value);
  }
  return undefined;
}

function writeValue(path: string, value: string): void {
  writeFileSync(path, value);
}

function listPids(procsFile: string): number[] {
  const text = readText(procsFile);
  if (text === undefined) return [];
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map(Number)
    .filter((pid) => pid > 0);
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, "_");
}

function tryMkdir(path: string): string | undefined {
  try {
    mkdirSync(path, { recursive: true });
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

function tryRmdir(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/** Subfolders (child cgroups) of a cgroup folder. */
function childCgroups(path: string): string[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

async function waitEmpty(procsFiles: readonly string[], killEach: boolean): Promise<boolean> {
  const deadline = Date.now() + EMPTY_WAIT_MS;
  for (;;) {
    const pids = procsFiles.flatMap(listPids);
    if (pids.length === 0) return true;
    if (Date.now() > deadline) return false;
    // Without a freezer a task may fork between reading the list and the kill: kill again each turn.
    if (killEach) killAll(pids);
    await delay(5);
  }
}

/** A short stable name for one state dir's gateway: `corral/<key>/<instance>` in each hierarchy. */
export function cgroupKey(stateDir: string): string {
  return createHash("sha256").update(stateDir).digest("hex").slice(0, 12);
}

export interface DetectCgroupsOptions {
  readonly mode: CgroupMode;
  /** Distinguishes this gateway's cgroups from other gateways' on the same host (from its state dir). */
  readonly key: string;
  readonly mountinfo?: string;
  readonly ownCgroups?: string;
}

/** Finds where this process may make cgroups, and makes this gateway's folder(s) there. */
export function detectCgroups(options: DetectCgroupsOptions): CgroupHost {
  if (options.mode === "none") return noCgroups("cgroups turned off (--cgroups none)");
  if (process.platform !== "linux") return noCgroups(`no cgroups on ${process.platform}`);
  const mounts = readMounts(options.mountinfo ?? readText("/proc/self/mountinfo") ?? "");
  const own = readOwnCgroups(options.ownCgroups ?? readText("/proc/self/cgroup") ?? "");
  const key = safeName(options.key);
  if (options.mode !== "v1") {
    const v2 = detectV2(mounts, own, key);
    if (v2 !== undefined || options.mode === "v2") {
      return v2 ?? noCgroups("no usable cgroup v2 hierarchy (asked for with --cgroups v2)");
    }
  }
  return detectV1(mounts, own, key) ?? noCgroups("no cgroup v1 controller mounted");
}

function noCgroups(why: string): CgroupHost {
  return {
    version: "none",
    description: why,
    unavailable: { memory: why, cpu: why, pids: why },
    create(name) {
      throw new CorralError("ISOLATION_UNAVAILABLE", `cannot make a cgroup for ${name}: ${why}`);
    },
    sweep: async () => [],
    close() {},
  };
}

/** A limit whose controller is unusable here is an error, never silently dropped. */
function requireControllers(
  limits: CgroupLimits,
  unavailable: Partial<Record<LimitController, string>>,
): void {
  for (const controller of ["memory", "cpu", "pids"] as const) {
    const wanted = { memory: limits.memoryBytes, cpu: limits.cpu, pids: limits.pids }[controller];
    const why = unavailable[controller];
    if (wanted !== undefined && why !== undefined) {
      throw new CorralError("ISOLATION_UNAVAILABLE", `cannot enforce the ${controller} limit: ${why}`);
    }
  }
}

// ---- cgroup v1: one hierarchy per controller (or a few co-mounted) -------------------------------

interface V1Hierarchy {
  readonly controllers: readonly string[];
  /** This gateway's folder in the hierarchy: <mount>/<own path>/corral/<key>. */
  readonly base: string;
}

const V1_WANTED = ["memory", "cpu", "cpuacct", "pids", "freezer"] as const;

function detectV1(mounts: readonly Mount[], own: Map<string, string>, key: string): CgroupHost | undefined {
  const hierarchies: V1Hierarchy[] = [];
  const problems = new Map<string, string>();
  for (const mount of mounts) {
    if (mount.fsType !== "cgroup") continue;
    const controllers = mount.superOptions.filter((option) =>
      (V1_WANTED as readonly string[]).includes(option),
    );
    if (controllers.length === 0 || hierarchies.some((h) => h.controllers.includes(controllers[0] ?? ""))) {
      continue;
    }
    const ownPath = ownPathFor(own, controllers);
    if (ownPath === undefined) continue;
    const relative = ownPath.startsWith(mount.root) ? ownPath.slice(mount.root.length) : ownPath;
    const base = join(mount.mountPoint, relative, CORRAL_FOLDER, key);
    const failure = tryMkdir(base);
    if (failure === undefined) hierarchies.push({ controllers, base });
    else for (const controller of controllers) problems.set(controller, `cannot create ${base}: ${failure}`);
  }
  if (hierarchies.length === 0 && problems.size === 0) return undefined;
  const find = (controller: string) => hierarchies.find((h) => h.controllers.includes(controller));
  const unavailable: Partial<Record<LimitController, string>> = {};
  for (const controller of ["memory", "cpu", "pids"] as const) {
    if (find(controller) === undefined) {
      unavailable[controller] =
        problems.get(controller) ?? `cgroup v1 controller "${controller}" is not mounted`;
    }
  }
  const usable = hierarchies.flatMap((h) => h.controllers).join(", ");
  return {
    version: "v1",
    description:
      hierarchies.length === 0
        ? `cgroup v1 present but not writable: ${[...problems.values()][0]}`
        : `cgroup v1 (${usable}) under ${CORRAL_FOLDER}/${key}`,
    unavailable,
    create: (name, limits) => createV1(hierarchies, find, safeName(name), limits, unavailable),
    async sweep() {
      const names = new Set<string>();
      for (const hierarchy of hierarchies) for (const name of childCgroups(hierarchy.base)) names.add(name);
      for (const name of names) await destroyV1(hierarchies, find, name);
      return [...names];
    },
    close() {
      for (const hierarchy of hierarchies) {
        // Only empty folders go; a sibling gateway's `corral/<key>` keeps `corral` alive.
        if (tryRmdir(hierarchy.base)) tryRmdir(join(hierarchy.base, ".."));
      }
    },
  };
}

function ownPathFor(own: Map<string, string>, controllers: readonly string[]): string | undefined {
  for (const [names, path] of own) {
    if (names.split(",").some((name) => controllers.includes(name))) return path;
  }
  return undefined;
}

function createV1(
  hierarchies: readonly V1Hierarchy[],
  find: (controller: string) => V1Hierarchy | undefined,
  name: string,
  limits: CgroupLimits,
  unavailable: Partial<Record<LimitController, string>>,
): InstanceCgroup {
  requireControllers(limits, unavailable);
  const dirs = hierarchies.map((hierarchy) => join(hierarchy.base, name));
  const dirOf = (controller: string) => {
    const hierarchy = find(controller);
    return hierarchy === undefined ? undefined : join(hierarchy.base, name);
  };
  try {
    for (const dir of dirs) mkdirSync(dir, { recursive: true });
    const memory = dirOf("memory");
    if (memory !== undefined && limits.memoryBytes !== undefined) {
      writeValue(join(memory, "memory.limit_in_bytes"), String(limits.memoryBytes));
      // Swap counted too, or the limit only moves the excess to swap.
      const memsw = join(memory, "memory.memsw.limit_in_bytes");
      if (existsSync(memsw)) writeValue(memsw, String(limits.memoryBytes));
    }
    const cpu = dirOf("cpu");
    if (cpu !== undefined && limits.cpu !== undefined) {
      writeValue(join(cpu, "cpu.cfs_period_us"), String(CPU_PERIOD_US));
      writeValue(
        join(cpu, "cpu.cfs_quota_us"),
        String(Math.max(1_000, Math.round(limits.cpu * CPU_PERIOD_US))),
      );
    }
    const pids = dirOf("pids");
    if (pids !== undefined && limits.pids !== undefined)
      writeValue(join(pids, "pids.max"), String(limits.pids));
  } catch (error) {
    for (const dir of dirs) tryRmdir(dir);
    throw new CorralError("ISOLATION_UNAVAILABLE", `cannot set up cgroup ${name}: ${describeError(error)}`, {
      cause: error,
    });
  }
  const memory = dirOf("memory");
  const cpuacct = dirOf("cpuacct");
  const pids = dirOf("pids");
  let destroyed: Promise<void> | undefined;
  return {
    name,
    procsFiles: dirs.map((dir) => join(dir, "cgroup.procs")),
    usage() {
      if (memory === undefined && cpuacct === undefined) return undefined;
      const used = memory === undefined ? 0 : (readNumber(join(memory, "memory.usage_in_bytes")) ?? 0);
      const inactive =
        memory === undefined ? 0 : (readKeyed(join(memory, "memory.stat"), "total_inactive_file") ?? 0);
      const cpuNs = cpuacct === undefined ? 0 : (readNumber(join(cpuacct, "cpuacct.usage")) ?? 0);
      return { memoryBytes: Math.max(0, used - inactive), cpuSeconds: cpuNs / 1e9 };
    },
    peakMemoryBytes: () =>
      memory === undefined ? undefined : readNumber(join(memory, "memory.max_usage_in_bytes")),
    oomKills: () =>
      memory === undefined ? 0 : (readKeyed(join(memory, "memory.oom_control"), "oom_kill") ?? 0),
    tasks: () => (pids === undefined ? undefined : readNumber(join(pids, "pids.current"))),
    destroy() {
      destroyed ??= destroyV1(hierarchies, find, name);
      return destroyed;
    },
  };
}

async function destroyV1(
  hierarchies: readonly V1Hierarchy[],
  find: (controller: string) => V1Hierarchy | undefined,
  name: string,
): Promise<void> {
  const dirs = hierarchies.map((hierarchy) => join(hierarchy.base, name)).filter((dir) => existsSync(dir));
  const procsFiles = dirs.map((dir) => join(dir, "cgroup.procs"));
  const freezerBase = find("freezer")?.base;
  const freezer = freezerBase === undefined ? undefined : join(freezerBase, name);
  if (freezer !== undefined && existsSync(freezer) && listPids(join(freezer, "cgroup.procs")).length > 0) {
    // Frozen tasks cannot fork between the listing and the kill; the kill lands when they thaw.
    const state = join(freezer, "freezer.state");
    try {
      writeValue(state, "FROZEN");
      const deadline = Date.now() + 1_000;
      while (readText(state)?.trim() !== "FROZEN" && Date.now() < deadline) await delay(2);
      killAll(procsFiles.flatMap(listPids));
    } finally {
      writeValue(state, "THAWED");
    }
  }
  const empty = await waitEmpty(procsFiles, true);
  for (const dir of dirs) {
    // rmdir can race the last exiting task's accounting for a moment: retry briefly.
    for (let attempt = 0; attempt < 50 && !tryRmdir(dir); attempt += 1) await delay(10);
  }
  const left = dirs.filter((dir) => existsSync(dir));
  if (!empty || left.length > 0) {
    throw new CorralError(
      "ISOLATION_UNAVAILABLE",
      `cgroup ${name} could not be emptied and removed: ${left.join(", ")}`,
    );
  }
}

// ---- cgroup v2: one unified hierarchy ----------------------------------------------------------

function detectV2(mounts: readonly Mount[], own: Map<string, string>, key: string): CgroupHost | undefined {
  const mount = mounts.find((m) => m.fsType === "cgroup2");
  const ownPath = own.get("");
  if (mount === undefined || ownPath === undefined) return undefined;
  const ownDir = join(
    mount.mountPoint,
    ownPath.startsWith(mount.root) ? ownPath.slice(mount.root.length) : ownPath,
  );
  const offered = (readText(join(ownDir, "cgroup.controllers")) ?? "").trim().split(/\s+/);
  const wanted = ["memory", "cpu", "pids"].filter((controller) => offered.includes(controller));
  // A hybrid host mounts an empty v2 tree beside v1 controllers: that is v1's case.
  if (wanted.length === 0) return undefined;
  const base = join(ownDir, CORRAL_FOLDER, key);
  const failure = enableV2(ownDir, base, wanted);
  const unavailable: Partial<Record<LimitController, string>> = {};
  for (const controller of ["memory", "cpu", "pids"] as const) {
    if (failure !== undefined) unavailable[controller] = failure;
    else if (!wanted.includes(controller))
      unavailable[controller] = `cgroup v2 controller "${controller}" is not delegated to ${ownDir}`;
  }
  return {
    version: "v2",
    description:
      failure === undefined
        ? `cgroup v2 (${wanted.join(", ")}) under ${base}`
        : `cgroup v2 not usable: ${failure}`,
    unavailable,
    create: (name, limits) => createV2(base, safeName(name), limits, unavailable, failure),
    async sweep() {
      const names = failure === undefined ? childCgroups(base) : [];
      for (const name of names) await destroyV2(join(base, name));
      return names;
    },
    close() {
      if (tryRmdir(base)) tryRmdir(join(base, ".."));
    },
  };
}

/**
 * Controllers reach a child only through every ancestor's `cgroup.subtree_control`, and a cgroup that
 * holds processes cannot hand controllers down ("no internal processes"). So when the gateway sits in
 * a delegated cgroup (systemd `Delegate=yes`), it first moves itself into a leaf beside the servers'.
 */
function enableV2(ownDir: string, base: string, controllers: readonly string[]): string | undefined {
  const enable = controllers.map((controller) => `+${controller}`).join(" ");
  try {
    try {
      writeValue(join(ownDir, "cgroup.subtree_control"), enable);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EBUSY") throw error;
      const leaf = join(ownDir, "gateway");
      mkdirSync(leaf, { recursive: true });
      writeValue(join(leaf, "cgroup.procs"), String(process.pid));
      writeValue(join(ownDir, "cgroup.subtree_control"), enable);
    }
    mkdirSync(base, { recursive: true });
    writeValue(join(ownDir, CORRAL_FOLDER, "cgroup.subtree_control"), enable);
    writeValue(join(base, "cgroup.subtree_control"), enable);
    return undefined;
  } catch (error) {
    return `cannot delegate ${controllers.join(", ")} below ${ownDir}: ${describeError(error)}; run corral in a cgroup it owns (systemd: Delegate=yes)`;
  }
}

function createV2(
  base: string,
  name: string,
  limits: CgroupLimits,
  unavailable: Partial<Record<LimitController, string>>,
  failure: string | undefined,
): InstanceCgroup {
  if (failure !== undefined) throw new CorralError("ISOLATION_UNAVAILABLE", failure);
  requireControllers(limits, unavailable);
  const dir = join(base, name);
  try {
    mkdirSync(dir, { recursive: true });
    if (limits.memoryBytes !== undefined) {
      writeValue(join(dir, "memory.max"), String(limits.memoryBytes));
      const swap = join(dir, "memory.swap.max");
      if (existsSync(swap)) writeValue(swap, "0");
    }
    if (limits.cpu !== undefined) {
      writeValue(
        join(dir, "cpu.max"),
        `${Math.max(1_000, Math.round(limits.cpu * CPU_PERIOD_US))} ${CPU_PERIOD_US}`,
      );
    }
    if (limits.pids !== undefined) writeValue(join(dir, "pids.max"), String(limits.pids));
  } catch (error) {
    tryRmdir(dir);
    throw new CorralError("ISOLATION_UNAVAILABLE", `cannot set up cgroup ${dir}: ${describeError(error)}`, {
      cause: error,
    });
  }
  let destroyed: Promise<void> | undefined;
  return {
    name,
    procsFiles: [join(dir, "cgroup.procs")],
    usage() {
      const current = readNumber(join(dir, "memory.current"));
      const inactive = readKeyed(join(dir, "memory.stat"), "inactive_file") ?? 0;
      const cpuUs = readKeyed(join(dir, "cpu.stat"), "usage_usec") ?? 0;
      return current === undefined
        ? undefined
        : { memoryBytes: Math.max(0, current - inactive), cpuSeconds: cpuUs / 1e6 };
    },
    peakMemoryBytes: () => readNumber(join(dir, "memory.peak")),
    oomKills: () => readKeyed(join(dir, "memory.events"), "oom_kill") ?? 0,
    tasks: () => readNumber(join(dir, "pids.current")),
    destroy() {
      destroyed ??= destroyV2(dir);
      return destroyed;
    },
  };
}

async function destroyV2(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const procs = join(dir, "cgroup.procs");
  const kill = join(dir, "cgroup.kill");
  // cgroup.kill (Linux 5.14+) kills every task at once, forks in flight included.
  if (existsSync(kill)) writeValue(kill, "1");
  const empty = await waitEmpty([procs], true);
  for (let attempt = 0; attempt < 50 && !tryRmdir(dir); attempt += 1) await delay(10);
  if (!empty || existsSync(dir)) {
    throw new CorralError("ISOLATION_UNAVAILABLE", `cgroup ${dir} could not be emptied and removed`);
  }
}

/**
 * The argv prefix that moves the spawned process into its cgroups and then execs the rest: every
 * process the server ever forks is born inside. Exit status 125 means the join failed.
 */
export function cgroupJoinPrefix(procsFiles: readonly string[]): string[] {
  return [
    "/bin/sh",
    "-c",
    'for f in $1; do echo 0 > "$f" || { echo "corral: cannot join cgroup $f" >&2; exit 125; }; done; shift; exec "$@"',
    "corral-cgroup",
    procsFiles.join(" "),
  ];
}
