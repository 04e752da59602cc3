// The JSON shapes of servers as the REST API returns them (docs/api.md). One place builds them, so
// `corral ps`, the dashboard and backends all see the same thing.

import type { ProcessUsage } from "../platform/index.js";
import type { InstanceStatus, ServerStatus } from "../supervisor/index.js";

export interface InstanceView {
  readonly id: string;
  readonly state: string;
  readonly reason: string;
  /** The reason as one of the supervisor's TRANSITION_KINDS (docs/supervisor.md). */
  readonly reasonKind: string;
  readonly since: string;
  readonly pid: number | null;
  readonly restarts: number;
  readonly memoryBytes: number | null;
  readonly cpuSeconds: number | null;
  readonly nextAttemptAt: string | null;
  /** Limits of the running process and how each is kept; null without limits or process. */
  readonly limits: LimitsView | null;
}

export interface LimitsView {
  readonly memoryBytes: number | null;
  readonly cpu: number | null;
  readonly pids: number | null;
  /** Per limit: "enforced" (by the instance's cgroup) or "advisory" (polled, best-effort). */
  readonly enforcement: Readonly<Record<string, string>>;
  /** "v1" or "v2" when the instance has its own cgroup, else null. */
  readonly cgroup: string | null;
}

export interface ServerView {
  readonly name: string;
  readonly state: string;
  readonly reason: string;
  readonly reasonKind: string | null;
  readonly transport: string;
  readonly mode: string;
  readonly start: string;
  readonly desiredInstances: number;
  readonly instances: readonly InstanceView[];
  /** Tools the server exposes through the gateway; null until its list was fetched. */
  readonly tools: number | null;
  readonly lastError: string | null;
  /** Stopped by an operator: use starts nothing until `start` or `restart` (the reason says so). */
  readonly held: boolean;
}

export function viewInstance(status: InstanceStatus, usage: ProcessUsage | undefined): InstanceView {
  return {
    id: status.id,
    state: status.state,
    reason: status.reason,
    reasonKind: status.reasonKind,
    since: new Date(status.since).toISOString(),
    pid: status.pid ?? null,
    restarts: status.restarts,
    memoryBytes: usage?.rssBytes ?? null,
    cpuSeconds: usage === undefined ? null : Number(usage.cpuSeconds.toFixed(2)),
    nextAttemptAt: status.nextAttemptAt === undefined ? null : new Date(status.nextAttemptAt).toISOString(),
    limits:
      status.limits === undefined
        ? null
        : {
            memoryBytes: status.limits.memoryBytes ?? null,
            cpu: status.limits.cpu ?? null,
            pids: status.limits.pids ?? null,
            enforcement: status.limits.enforcement,
            cgroup: status.limits.cgroup ?? null,
          },
  };
}

export function viewServer(
  status: ServerStatus,
  readUsage: (instance: InstanceStatus) => ProcessUsage | undefined,
  toolCount: number | null = null,
): ServerView {
  const lastError = status.instances
    .map((instance) => instance.lastError)
    .find((error) => error !== undefined);
  return {
    name: status.name,
    state: status.state,
    reason: status.reason,
    reasonKind: status.reasonKind ?? null,
    transport: status.transport,
    mode: status.mode,
    start: status.start,
    desiredInstances: status.desiredInstances,
    instances: status.instances.map((instance) =>
      viewInstance(instance, instance.pid === undefined ? undefined : readUsage(instance)),
    ),
    tools: toolCount,
    lastError: lastError ?? null,
    held: status.hold !== undefined,
  };
}
