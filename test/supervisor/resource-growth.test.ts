// Issue 11 item 1: a gateway that pings its servers forever must not grow anything per ping. Four
// servers pinged every 100 ms for 60 s is 2400 pings, the 30 s default's 20 hours: any listener
// added per ping passes Node's limit of 10 within the first second and shows as a warning, and any
// other per-ping growth shows in the sampled counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { HeldResources } from "../../src/supervisor/index.js";
import { callEcho } from "../helpers/rpc.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { startSupervised } from "../helpers/supervised.js";
import { waitFor } from "../helpers/wait.js";

const RUN_MS = 60_000;
const WARM_UP_MS = 5_000;
const SAMPLE_EVERY_MS = 500;

/** Per instance, what one ping at a time may hold: its own request and at most 3 abort listeners. */
const HELD_CAP: HeldResources = {
  abortListeners: 3,
  stateWaiters: 0,
  endListeners: 0,
  pendingControlRequests: 1,
};

/** The process's timers and handles by kind. */
function countActiveResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

test("4 servers pinged every 100 ms for 60 s: no MaxListenersExceededWarning, no count grows", async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => {
    if (warning.name === "MaxListenersExceededWarning") warnings.push(warning.message);
  };
  process.on("warning", onWarning);
  try {
    const health = { intervalMs: 100, timeoutMs: 2_000, failureThreshold: 3 };
    const names = ["a", "b", "c", "d"];
    await using run = await startSupervised(
      names.map((name) => fixtureServer(name, "healthy", [], { ...FAST, health })),
    );
    const instances = names.map((name) => {
      const [instance] = run.supervisor.getInstances(name);
      assert.ok(instance);
      return instance;
    });
    await waitFor(() => instances.every((instance) => instance.state === "ready"), {
      what: "all four ready",
    });
    const startedAt = Date.now();
    const baseline: Record<string, number> = {};
    let samples = 0;
    // Sampling is what this test does over time; nothing here waits for an event by sleeping.
    while (Date.now() - startedAt < RUN_MS) {
      await sleep(SAMPLE_EVERY_MS);
      assert.deepEqual(warnings, [], "a listener was added per ping (or per request) and never removed");
      instances.forEach((instance) => {
        const held = instance.heldResources;
        const over = Object.entries(held).filter(
          ([key, value]) => value > HELD_CAP[key as keyof HeldResources],
        );
        assert.deepEqual(
          over,
          [],
          `${instance.id} holds more than one ping's worth: ${JSON.stringify(held)}`,
        );
      });
      const active = countActiveResources();
      if (Date.now() - startedAt < WARM_UP_MS) {
        // The most of each kind while pings come and go; later a ping in flight per instance may add one.
        for (const [kind, count] of Object.entries(active))
          baseline[kind] = Math.max(baseline[kind] ?? 0, count);
        continue;
      }
      samples += 1;
      const grown = Object.entries(active).filter(
        ([kind, count]) => count > (baseline[kind] ?? 0) + instances.length,
      );
      assert.deepEqual(
        grown.map(([kind, count]) => `${kind}: ${count}, at most ${baseline[kind] ?? 0} in the first 5s`),
        [],
        `active timers/handles grew after ${Date.now() - startedAt}ms of pings`,
      );
    }
    assert.ok(samples >= 50, `only ${samples} samples`);
    for (const instance of instances) {
      assert.equal(instance.state, "ready", `${instance.id} stayed ready through the pings`);
      assert.equal(instance.status.restarts, 0);
    }
    assert.equal(
      await callEcho(instances[0] as (typeof instances)[number], "still serving"),
      "still serving",
    );
  } finally {
    process.off("warning", onWarning);
  }
});
