// Waiting for a condition with a deadline, instead of sleeping and hoping.
import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** What we wait for, for the failure message. */
  readonly what?: string;
}

/** Polls `check` until it returns a value other than undefined/false, or throws at the deadline. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${options.timeoutMs ?? 10_000}ms waiting for ${options.what ?? "a condition"}`,
      );
    }
    await sleep(options.intervalMs ?? 10);
  }
}
