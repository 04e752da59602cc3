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

/**
 * Why a state changed, as data (`reason` says it for people). Closed list, documented in
 * docs/supervisor.md; logs, REST (`reasonKind`) and alerts can match on it.
 */
export const TRANSITION_KINDS = [
  // → starting: what asked for a process.
  "eager-start",
  "first-use",
  "session-start",
  "operator-start",
  "operator-restart",
  "auto-restart",
  // → ready / degraded, while running.
  "ready",
  "ping-missed",
  "ping-recovered",
  // Why a run ended (→ stopping when Corral ends it, → backoff after it).
  "spawn-failed",
  "exited",
  "killed-by-signal",
  "oom-killed",
  "limit-exceeded",
  "connection-closed",
  "startup-timeout",
  "handshake-failed",
  "health-failed",
  // → failed: why no further restart.
  "crash-loop",
  "restart-disabled",
  "isolation-unavailable",
  // → stopping / stopped on request.
  "operator-stop",
  "idle",
  "session-ended",
  "gateway-shutdown",
  // The state before the first transition.
  "not-started",
] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];

/** Kinds that end a run (a failure): the backoff and stopping that follow carry it. */
export type RunEndKind = Extract<
  TransitionKind,
  | "spawn-failed"
  | "exited"
  | "killed-by-signal"
  | "oom-killed"
  | "limit-exceeded"
  | "connection-closed"
  | "startup-timeout"
  | "handshake-failed"
  | "health-failed"
>;

/** Kinds of a stop on request. */
export type StopKind = Extract<
  TransitionKind,
  "operator-stop" | "operator-restart" | "idle" | "session-ended" | "gateway-shutdown"
>;

/** Kinds of a start on request. */
export type StartKind = Extract<
  TransitionKind,
  "eager-start" | "first-use" | "session-start" | "operator-start" | "operator-restart"
>;

export interface Transition {
  readonly server: string;
  readonly instance: string;
  readonly from: InstanceState;
  readonly to: InstanceState;
  /** Why: "exit code 1", "signal SIGKILL", "startup timeout after 30s", "initialize ok in 84ms" … */
  readonly reason: string;
  /** The same why, as one of TRANSITION_KINDS. */
  readonly kind: TransitionKind;
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
  /** The last transition's kind. */
  readonly reasonKind: TransitionKind;
  /** Epoch ms of the last transition. */
  readonly since: number;
  readonly pid: number | undefined;
  /** Restarts after failures since the gateway started this instance slot. */
  readonly restarts: number;
  /** Failures in a row (reset by a run that stayed ready for `restart.resetAfter`); the backoff exponent. */
  readonly consecutiveFailures: number;
  /** Starts in a row that ended before ready (reset by ready); `restart.maxFailures` of them is `failed`. */
  readonly failedStarts: number;
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

/** "1 failure", "3 failures": counts in reasons read as English. */
export function pluralise(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}
