// Restart delay math, kept pure so tests can check the schedule without waiting for it.

export interface BackoffPolicy {
  /** Delay before the first restart, in ms. */
  readonly initialDelayMs: number;
  /** Upper bound of the delay, in ms. */
  readonly maxDelayMs: number;
  /** Relative jitter, 0.1 = ±10 %. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 1_000, maxDelayMs: 60_000, jitter: 0.1 };

/** The nominal delay (without jitter) before restart number `attempt` (1-based). */
export function nominalBackoffDelay(attempt: number, policy: BackoffPolicy): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity for large attempts, which Math.min handles.
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
}

/** The delay with jitter applied; `random` returns a value in [0, 1). */
export function computeBackoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const nominal = nominalBackoffDelay(attempt, policy);
  const factor = 1 + policy.jitter * (2 * random() - 1);
  return Math.round(nominal * factor);
}
