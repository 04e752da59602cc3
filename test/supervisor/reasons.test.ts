// Issue 11 item 10: reasons say what happened and nothing stale: no countdown frozen at transition
// time, no stderr line from long before the end, counts in proper English.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EXIT_QUOTE_WINDOW_MS } from "../../src/supervisor/index.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { startSupervised } from "../helpers/supervised.js";
import { waitFor } from "../helpers/wait.js";

test("a backoff reason holds no countdown; nextAttemptAt carries the time", async () => {
  await using run = await startSupervised([fixtureServer("crash", "crash-on-start", [], FAST)]);
  const backoff = await run.waitForTransition((t) => t.to === "backoff");
  assert.equal(backoff.reason, "exit code 1: fatal: crash-on-start fixture (before initialize)");
  assert.ok((backoff.nextAttemptAt ?? 0) > backoff.at);
  assert.doesNotMatch(run.supervisor.getServer("crash")?.reason ?? "", /next try/);
});

test("SIGKILL of a server that last wrote to stderr long before: the old line is not quoted", async () => {
  await using run = await startSupervised([fixtureServer("quiet", "healthy", [], FAST)]);
  const ready = await run.waitForTransition((t) => t.to === "ready");
  const [instance] = run.supervisor.getInstances("quiet");
  assert.ok(instance);
  // The fixture writes "ready" once at start; the kill must come well after it, which is the point.
  const last = await waitFor(() => instance.stderr.tail(1)[0], { what: "the fixture's ready line" });
  assert.equal(last.text, "ready");
  await waitFor(() => Date.now() - last.at > EXIT_QUOTE_WINDOW_MS + 100, { what: "the line to age" });
  const from = run.transitions.length;
  process.kill(ready.pid as number, "SIGKILL");
  const backoff = await run.waitForTransition((t) => t.to === "backoff", { from });
  assert.equal(backoff.reason, "signal SIGKILL");
  assert.equal(backoff.kind, "killed-by-signal");
});

test("counts in reasons are pluralised: 1 start, 1 ping", async () => {
  await using run = await startSupervised([
    fixtureServer("crash", "crash-on-start", [], { ...FAST, restart: { ...FAST.restart!, maxFailures: 1 } }),
    fixtureServer("mute", "stops-answering-ping", ["0"], {
      ...FAST,
      health: { intervalMs: 100, timeoutMs: 100, failureThreshold: 1 },
    }),
  ]);
  const failed = await run.waitForTransition((t) => t.server === "crash" && t.to === "failed");
  assert.match(failed.reason, /^crash loop: 1 start in a row ended before ready; last: /);
  const unhealthy = await run.waitForTransition((t) => t.server === "mute" && t.to === "backoff");
  assert.equal(unhealthy.reason, "health: 1 ping unanswered");
  assert.equal(unhealthy.kind, "health-failed");
});
