// Issue 11 item 7: a server that never reaches ready in `maxFailures` starts in a row is `failed`; one
// that reached ready and then dies is restarted for as long as it takes, with the capped backoff
// still growing over a quick series and starting over after `resetAfter` of ready (DESIGN.md §5).
import assert from "node:assert/strict";
import { test } from "node:test";
import { callEcho } from "../helpers/rpc.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { startSupervised } from "../helpers/supervised.js";
import { waitFor } from "../helpers/wait.js";

// Time scaled by 1/100: 1 s initial delay → 10 ms, 1 min cap → 600 ms, 10 min resetAfter → 6 s,
// kills 30 s apart → 300 ms of ready between them.
const SCALE = 1 / 100;
const restart = {
  enabled: true,
  initialDelayMs: 1_000 * SCALE,
  maxDelayMs: 60_000 * SCALE,
  resetAfterMs: 600_000 * SCALE,
  maxFailures: 3,
  jitter: 0.1,
};
const APART_MS = 30_000 * SCALE;

test("10 external SIGKILLs of a ready server, 30 s apart (scaled): back to ready every time", async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => {
    if (warning.name === "MaxListenersExceededWarning") warnings.push(warning.message);
  };
  process.on("warning", onWarning);
  try {
    await using run = await startSupervised([fixtureServer("victim", "healthy", [], { ...FAST, restart })]);
    const [instance] = run.supervisor.getInstances("victim");
    assert.ok(instance);
    let ready = await run.waitForTransition((t) => t.to === "ready");
    for (let kill = 1; kill <= 10; kill += 1) {
      assert.equal(await callEcho(instance, `before kill ${kill}`), `before kill ${kill}`);
      // The scenario is "killed after serving for 30 s": the time itself is the condition.
      await waitFor(() => Date.now() - ready.at >= APART_MS, { what: "30 s (scaled) of ready" });
      const from = run.transitions.length;
      process.kill(ready.pid as number, "SIGKILL");
      const backoff = await run.waitForTransition((t) => t.to !== "ready", { from, what: `kill ${kill}` });
      assert.equal(backoff.to, "backoff", `kill ${kill}: ${backoff.to} (${backoff.reason})`);
      assert.equal(backoff.kind, "killed-by-signal");
      ready = await run.waitForTransition((t) => t.to === "ready" || t.to === "failed", {
        from,
        what: `ready again after kill ${kill}`,
      });
      assert.equal(ready.to, "ready", `after kill ${kill}: ${ready.reason}`);
    }
    assert.equal(await callEcho(instance, "after ten kills"), "after ten kills");
    assert.equal(instance.status.restarts, 10);
    assert.equal(instance.status.failedStarts, 0);
    assert.ok(!run.transitions.some((t) => t.to === "failed"));
    // The kills came faster than resetAfter: the delay kept growing up to its cap.
    const planned = run.transitions
      .filter((t) => t.to === "backoff")
      .map((t) => (t.nextAttemptAt as number) - t.at);
    const nominal = [10, 20, 40, 80, 160, 320, 600, 600, 600, 600];
    planned.forEach((delay, index) => {
      const expected = nominal[index] as number;
      assert.ok(
        delay >= expected * 0.9 - 1 && delay <= expected * 1.1 + 1,
        `backoff ${index + 1}: ${delay}ms, expected ${expected}ms ±10 %`,
      );
    });
    // Eleven handshakes on one run: none of them left a listener behind.
    assert.ok(instance.heldResources.abortListeners <= 3, JSON.stringify(instance.heldResources));
    assert.deepEqual(warnings, []);
  } finally {
    process.off("warning", onWarning);
  }
});

test("a server that never reaches ready is failed after maxFailures starts in a row", async () => {
  await using run = await startSupervised([
    fixtureServer("never", "slow-start", ["60000"], { ...FAST, restart, startupTimeoutMs: 200 }),
  ]);
  const failed = await run.waitForTransition((t) => t.to === "failed");
  assert.equal(failed.kind, "crash-loop");
  assert.match(
    failed.reason,
    /^crash loop: 3 starts in a row ended before ready; last: startup timeout: no initialize answer after 200ms$/,
  );
  const backoffs = run.transitions.filter((t) => t.to === "backoff");
  assert.deepEqual(
    backoffs.map((t) => t.kind),
    ["startup-timeout", "startup-timeout"],
  );
  assert.equal(run.supervisor.getInstances("never")[0]?.status.failedStarts, 3);
});

test("exits after serving never count towards failed: restarted past maxFailures", async () => {
  // exit-after-n-calls exits after one call: each run was ready, so none is a failed start.
  await using run = await startSupervised([
    fixtureServer("once", "exit-after-n-calls", ["1"], { ...FAST, restart }),
  ]);
  const [instance] = run.supervisor.getInstances("once");
  assert.ok(instance);
  for (let call = 1; call <= 4; call += 1) {
    const from = run.transitions.length;
    await waitFor(() => instance.state === "ready", { what: "ready" });
    await callEcho(instance, "x");
    const backoff = await run.waitForTransition((t) => t.to === "backoff" || t.to === "failed", { from });
    assert.equal(backoff.to, "backoff");
    assert.equal(backoff.kind, "exited");
    assert.equal(instance.status.failedStarts, 0);
    assert.equal(instance.status.consecutiveFailures, call);
  }
});
