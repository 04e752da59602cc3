// Acceptance 3: every restart delay within ±10 % of the schedule (time-scaled), reset after a healthy
// period, and 5 failures in a row → failed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { computeBackoffDelay, nominalBackoffDelay } from "../../src/core/index.js";
import { callEcho } from "../helpers/rpc.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { startSupervised } from "../helpers/supervised.js";
import { waitFor } from "../helpers/wait.js";

// Timers fire a little after their deadline on a busy machine; this is the lateness we accept on top
// of the ±10 % jitter when measuring from events. The jittered delay itself is checked exactly.
const TIMER_SLACK_MS = 30;

describe("restart backoff", () => {
  test("the delay doubles from initialDelay up to maxDelay, with ±10 % jitter", () => {
    const policy = { initialDelayMs: 1_000, maxDelayMs: 60_000, jitter: 0.1 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => nominalBackoffDelay(n, policy)),
      [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000],
    );
    assert.equal(
      computeBackoffDelay(1, policy, () => 0),
      900,
    );
    assert.equal(
      computeBackoffDelay(1, policy, () => 0.999999),
      1_100,
    );
    assert.equal(nominalBackoffDelay(10_000, policy), 60_000);
  });

  test("observed restart delays follow the schedule; the fifth failure is failed", async () => {
    const restart = {
      enabled: true,
      initialDelayMs: 200,
      maxDelayMs: 1_000,
      resetAfterMs: 600_000,
      maxFailures: 5,
      jitter: 0.1,
    };
    await using run = await startSupervised([
      fixtureServer("crash", "crash-on-start", [], { ...FAST, restart }),
    ]);
    await run.waitForTransition((t) => t.to === "failed", { timeoutMs: 20_000 });
    const backoffs = run.transitions.filter((t) => t.to === "backoff");
    const starts = run.transitions.filter((t) => t.to === "starting");
    assert.equal(backoffs.length, 4);
    assert.equal(starts.length, 5);
    const schedule = [200, 400, 800, 1_000];
    backoffs.forEach((backoff, index) => {
      const nominal = schedule[index] as number;
      const planned = (backoff.nextAttemptAt as number) - backoff.at;
      assert.ok(
        planned >= nominal * 0.9 && planned <= nominal * 1.1,
        `planned delay ${planned}ms vs ${nominal}ms`,
      );
      const observed = (starts[index + 1]?.at as number) - backoff.at;
      assert.ok(
        observed >= nominal * 0.9 && observed <= nominal * 1.1 + TIMER_SLACK_MS,
        `observed delay ${observed}ms vs ${nominal}ms ±10%`,
      );
    });
  });

  test("a run that stayed ready for resetAfter starts a new series", async () => {
    const restart = {
      enabled: true,
      initialDelayMs: 100,
      maxDelayMs: 1_000,
      resetAfterMs: 600,
      maxFailures: 5,
      jitter: 0.1,
    };
    await using run = await startSupervised([
      fixtureServer("once", "exit-after-n-calls", ["1"], { ...FAST, restart }),
    ]);
    const [instance] = run.supervisor.getInstances("once");
    assert.ok(instance);
    // Two quick failures: the count climbs to 2.
    for (let failure = 1; failure <= 2; failure += 1) {
      const from = run.transitions.length;
      await waitFor(() => instance.state === "ready", { what: "ready" });
      await callEcho(instance, "x");
      await run.waitForTransition((t) => t.to === "backoff", { from });
      assert.equal(instance.status.consecutiveFailures, failure);
    }
    // Now stay ready past resetAfter before failing: the count starts over at 1.
    const ready = await run.waitForTransition((t) => t.to === "ready", { from: run.transitions.length - 1 });
    await waitFor(() => Date.now() - ready.at > 650, { what: "resetAfter to pass" });
    const from = run.transitions.length;
    await callEcho(instance, "x");
    const backoff = await run.waitForTransition((t) => t.to === "backoff", { from });
    assert.equal(instance.status.consecutiveFailures, 1);
    const planned = (backoff.nextAttemptAt as number) - backoff.at;
    assert.ok(planned >= 90 && planned <= 110, `delay after reset ${planned}ms`);
  });
});
