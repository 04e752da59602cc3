// Instance states and the events that report each change of state, with its reason.

import type { LimitsStatus } from "./limits.js";

export const INSTANCE_STATES = [
  "stopped",
  "starting",
  "ready",
  "degraded",
  "backoff",
  "failed",
  "stopping",
] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

export interface Transition {
  readonly server: string;
  readonly instance: string;
  readonly from: InstanceState;
  readonly to: InstanceState;
  /** Why: "exit code 1", "signal SIGKILL", "startup timeout after 30s", "initialize ok in 84ms" … */
  readonly reason: string;
  /** Epoch ms. */
  readonly at: number;
  readonly pid?: number;
  /** In `backoff`: when the next attempt starts (epoch ms). */
  readonly nextAttemptAt?: number;
}

export interface InstanceStatus {
  readonly id: string;
  readonly server: string;
  readonly state: InstanceState;
  readonly reason: string;
  /** Epoch ms of the last transition. */
  readonly since: number;
  readonly pid: number | undefined;
  /** Restarts after failures since the gateway started this instance slot. */
  readonly restarts: number;
  /** Failures in a row (reset by a healthy period). */
  readonly consecutiveFailures: number;
  readonly nextAttemptAt: number | undefined;
  readonly lastError: string | undefined;
  /** The running process's limits and how each is kept (cgroup-enforced or advisory). */
  readonly limits?: LimitsStatus;
}

/** Short human durations for reasons: 850ms, 2.5s, 3m12s. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(1))}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}
