// How one process link's limits are kept: by its cgroup where the host allows (enforced), else, when
// the server says `limits.enforce: best-effort`, by polling its process tree and killing it at the
// limit (advisory). A strict limit that cannot be enforced refuses the start. See docs/isolation.md.

import type { ServerConfig } from "../config/index.js";
import { CorralError, describeError } from "../core/index.js";
import {
  type CgroupHost,
  type CgroupLimits,
  type InstanceCgroup,
  type LimitController,
  listDescendants,
  listProcesses,
  type ProcessUsage,
  readTreeUsage,
} from "../platform/index.js";

export type Enforcement = "enforced" | "advisory";

/** What status reports of an instance's limits: each limit set, and how it is kept. */
export interface LimitsStatus {
  readonly memoryBytes?: number;
  readonly cpu?: number;
  readonly pids?: number;
  readonly enforcement: Readonly<Partial<Record<LimitController, Enforcement>>>;
  /** "v1", "v2", or undefined when the instance has no cgroup. */
  readonly cgroup: string | undefined;
}

export interface LimitsPlan {
  readonly cgroup: InstanceCgroup | undefined;
  readonly status: LimitsStatus;
  /** The limits only polling keeps (best-effort where the cgroup cannot). */
  readonly advisory: CgroupLimits;
}

const LIMIT_KEYS: Record<LimitController, keyof CgroupLimits> = {
  memory: "memoryBytes",
  cpu: "cpu",
  pids: "pids",
};

/**
 * Makes the cgroup of one process link. Every instance gets one where the host allows, limits or
 * not, so its memory and CPU are read from the kernel's own accounting.
 */
export function planLimits(server: ServerConfig, host: CgroupHost, name: string): LimitsPlan {
  const limits = server.limits;
  const wanted: CgroupLimits = {
    ...(limits?.memoryBytes === undefined ? {} : { memoryBytes: limits.memoryBytes }),
    ...(limits?.cpu === undefined ? {} : { cpu: limits.cpu }),
    ...(limits?.pids === undefined ? {} : { pids: limits.pids }),
  };
  const enforced: Record<string, number> = {};
  const advisory: Record<string, number> = {};
  const enforcement: Partial<Record<LimitController, Enforcement>> = {};
  for (const controller of ["memory", "cpu", "pids"] as const) {
    const key = LIMIT_KEYS[controller];
    const value = wanted[key];
    if (value === undefined) continue;
    const why = host.unavailable[controller];
    if (why === undefined) {
      enforced[key] = value;
      enforcement[controller] = "enforced";
    } else if (limits?.enforce === "best-effort") {
      advisory[key] = value;
      enforcement[controller] = "advisory";
    } else {
      throw new CorralError(
        "ISOLATION_UNAVAILABLE",
        `server "${server.name}" has limits.${controller} but it cannot be enforced here: ${why}; fix the host (see docs/isolation.md) or set limits.enforce: best-effort`,
        { server: server.name },
      );
    }
  }
  let cgroup: InstanceCgroup | undefined;
  if (host.version !== "none") {
    try {
      cgroup = host.create(name, enforced);
    } catch (error) {
      if (Object.keys(enforced).length > 0) {
        throw new CorralError("ISOLATION_UNAVAILABLE", `server "${server.name}": ${describeError(error)}`, {
          server: server.name,
          cause: error,
        });
      }
      // No limit depends on it: the instance runs without a cgroup, its usage read from /proc.
    }
  }
  return {
    cgroup,
    advisory,
    status: {
      ...wanted,
      enforcement,
      cgroup: cgroup === undefined ? undefined : host.version,
    },
  };
}

const ADVISORY_POLL_MS = 250;

/**
 * Polls a process tree against advisory limits. Calls `breach` once with the reason when a limit is
 * passed. CPU cannot be kept by polling (killing a busy server is not a CPU limit): it is reported,
 * not enforced.
 */
export function watchAdvisoryLimits(
  pid: number,
  limits: CgroupLimits,
  breach: (reason: string) => void,
): () => void {
  if (limits.memoryBytes === undefined && limits.pids === undefined) return () => {};
  const timer = setInterval(() => {
    if (limits.memoryBytes !== undefined) {
      const usage = readTreeUsage(pid);
      if (usage !== undefined && usage.rssBytes > limits.memoryBytes) {
        stop(`memory-limit (advisory): ${formatMiB(usage.rssBytes)} over ${formatMiB(limits.memoryBytes)}`);
        return;
      }
    }
    if (limits.pids !== undefined) {
      const count = 1 + listDescendants(pid, listProcesses()).length;
      if (count > limits.pids) stop(`pids-limit (advisory): ${count} processes over ${limits.pids}`);
    }
  }, ADVISORY_POLL_MS);
  timer.unref();
  const stop = (reason: string) => {
    clearInterval(timer);
    breach(reason);
  };
  return () => clearInterval(timer);
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Memory and CPU of a link: the cgroup's accounting, else the /proc sum over its process tree. */
export function readLinkUsage(cgroup: InstanceCgroup | undefined, pid: number): ProcessUsage | undefined {
  const fromCgroup = cgroup?.usage();
  if (fromCgroup !== undefined)
    return { rssBytes: fromCgroup.memoryBytes, cpuSeconds: fromCgroup.cpuSeconds };
  return readTreeUsage(pid);
}
