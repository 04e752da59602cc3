import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { isProcessAlive } from "../../src/platform/index.js";
import { callEcho, requestInstance } from "../helpers/rpc.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { startSupervised } from "../helpers/supervised.js";
import { waitFor } from "../helpers/wait.js";

const states = (transitions: { server: string; to: string }[], server: string) =>
  transitions.filter((transition) => transition.server === server).map((transition) => transition.to);

describe("supervisor lifecycle", () => {
  test("healthy: starting → ready on the initialize handshake; stop → stopping → stopped, process gone", async () => {
    await using run = await startSupervised([fixtureServer("ok", "healthy", [], FAST)]);
    const ready = await run.waitForTransition((t) => t.to === "ready");
    assert.match(ready.reason, /^initialize ok in /);
    const [instance] = run.supervisor.getInstances("ok");
    assert.ok(instance);
    assert.equal(await callEcho(instance, "hello"), "hello");
    const pid = instance.status.pid;
    assert.ok(pid !== undefined && isProcessAlive(pid));
    await run.supervisor.stopServer("ok");
    assert.deepEqual(states(run.transitions, "ok"), ["starting", "ready", "stopping", "stopped"]);
    assert.equal(isProcessAlive(pid), false);
  });

  test("crash-on-start: each exit is a backoff with the exit reason, then failed after maxFailures", async () => {
    await using run = await startSupervised([fixtureServer("crash", "crash-on-start", [], FAST)]);
    const failed = await run.waitForTransition((t) => t.to === "failed");
    assert.match(
      failed.reason,
      /^crash loop: 5 starts in a row ended before ready; last: exit code 1: fatal: crash-on-start fixture/,
    );
    assert.equal(failed.kind, "crash-loop");
    const backoffs = run.transitions.filter((t) => t.to === "backoff");
    assert.equal(backoffs.length, 4);
    for (const backoff of backoffs) {
      assert.equal(backoff.reason, "exit code 1: fatal: crash-on-start fixture (before initialize)");
      assert.equal(backoff.kind, "exited");
    }
    assert.equal(run.supervisor.getServer("crash")?.state, "failed");
  });

  test("failed stays failed until restarted by an operator, which starts a fresh series", async () => {
    await using run = await startSupervised([fixtureServer("crash", "crash-on-start", [], FAST)]);
    await run.waitForTransition((t) => t.to === "failed");
    const before = run.transitions.length;
    await run.supervisor.restartServer("crash");
    const next = await run.waitForTransition((t) => t.to === "starting", { from: before });
    assert.equal(next.reason, "restart requested");
    await run.waitForTransition((t) => t.to === "failed", { from: before });
  });

  test("exit-after-n-calls: an exit while ready is restarted after a backoff", async () => {
    await using run = await startSupervised([fixtureServer("counted", "exit-after-n-calls", ["2"], FAST)]);
    await run.waitForTransition((t) => t.to === "ready");
    const [instance] = run.supervisor.getInstances("counted");
    assert.ok(instance);
    const firstPid = instance.status.pid;
    assert.equal(await callEcho(instance, "a"), "a");
    assert.equal(await callEcho(instance, "b"), "b");
    const backoff = await run.waitForTransition((t) => t.to === "backoff");
    assert.match(backoff.reason, /^exit code 3/);
    await run.waitForTransition((t) => t.to === "ready" && t.pid !== firstPid);
    assert.equal(instance.status.restarts, 1);
    assert.equal(await callEcho(instance, "c"), "c");
  });

  test("slow-start: ready only after the handshake, with its time in the reason", async () => {
    await using run = await startSupervised([fixtureServer("slow", "slow-start", ["400"], FAST)]);
    const ready = await run.waitForTransition((t) => t.to === "ready");
    const starting = run.transitions.find((t) => t.to === "starting");
    assert.ok(starting && ready.at - starting.at >= 390, `ready after ${ready.at - (starting?.at ?? 0)}ms`);
  });

  test("slow-start beyond startupTimeout: startup timeout, process stopped, backoff", async () => {
    await using run = await startSupervised([
      fixtureServer("slow", "slow-start", ["5000"], { ...FAST, startupTimeoutMs: 300 }),
    ]);
    const backoff = await run.waitForTransition((t) => t.to === "backoff");
    assert.match(backoff.reason, /^startup timeout: no initialize answer after 300ms/);
    assert.ok(backoff.pid !== undefined);
    assert.equal(isProcessAlive(backoff.pid), false);
  });

  test("stops-answering-ping: ready ⇄ degraded, then restart after failureThreshold misses", async () => {
    const health = { intervalMs: 100, timeoutMs: 100, failureThreshold: 3 };
    await using run = await startSupervised([
      fixtureServer("mute", "stops-answering-ping", ["1"], { ...FAST, health }),
    ]);
    const degraded = await run.waitForTransition((t) => t.to === "degraded");
    assert.equal(degraded.reason, "ping unanswered (1/3)");
    const backoff = await run.waitForTransition((t) => t.to === "backoff");
    assert.match(backoff.reason, /^health: 3 pings unanswered/);
    const sequence = states(run.transitions, "mute");
    assert.deepEqual(sequence.slice(0, 6), [
      "starting",
      "ready",
      "degraded",
      "degraded",
      "stopping",
      "backoff",
    ]);
  });

  test("writes-garbage-to-stdout: garbage lines are counted and skipped, real answers still flow", async () => {
    await using run = await startSupervised([fixtureServer("garbage", "writes-garbage-to-stdout", [], FAST)]);
    await run.waitForTransition((t) => t.to === "ready");
    const [instance] = run.supervisor.getInstances("garbage");
    assert.ok(instance);
    assert.equal(await callEcho(instance, "still fine"), "still fine");
    assert.ok(instance.garbageLines > 0);
    assert.equal(instance.state, "ready");
  });

  test("floods-stderr: the ring stays bounded and the server stays responsive", async () => {
    await using run = await startSupervised([fixtureServer("flood", "floods-stderr", ["2000"], FAST)]);
    await run.waitForTransition((t) => t.to === "ready");
    const [instance] = run.supervisor.getInstances("flood");
    assert.ok(instance);
    await waitFor(() => instance.stderr.total > 20_000, { what: "20000 stderr lines" });
    assert.ok(instance.stderr.tail().length <= 1_000);
    assert.equal(await callEcho(instance, "over the flood"), "over the flood");
    const pong = await requestInstance(instance, "ping", {});
    assert.deepEqual(pong.result, {});
  });

  test("lazy: stopped until first use, then stopped again after idleTimeout", async () => {
    await using run = await startSupervised([
      fixtureServer("lazy", "healthy", [], { ...FAST, start: "lazy", idleTimeoutMs: 300 }),
    ]);
    assert.equal(run.supervisor.getServer("lazy")?.state, "stopped");
    assert.equal(run.supervisor.getServer("lazy")?.reason, "lazy: starts on first use");
    assert.equal(run.transitions.length, 0);
    const instance = await run.supervisor.acquire("lazy");
    assert.equal(instance.state, "ready");
    assert.equal(run.transitions[0]?.reason, "first use");
    const stopped = await run.waitForTransition((t) => t.to === "stopped");
    assert.match(stopped.reason, /^idle for /);
    await run.supervisor.acquire("lazy");
    assert.equal(run.supervisor.getServer("lazy")?.state, "ready");
  });

  test("lazy: a server slower to start than its idleTimeout is not stopped as idle while starting", async () => {
    await using run = await startSupervised([
      fixtureServer("slow", "slow-start", ["600"], { ...FAST, start: "lazy", idleTimeoutMs: 200 }),
    ]);
    // Before idle time counted from ready, the 200 ms idle timer stopped it mid-start and this rejected.
    const instance = await run.supervisor.acquire("slow");
    assert.equal(instance.state, "ready");
    assert.equal(await callEcho(instance, "first request"), "first request");
    const stopped = await run.waitForTransition((t) => t.to === "stopped");
    assert.match(stopped.reason, /^idle for /);
    assert.deepEqual(
      run.transitions.map((t) => t.to),
      ["starting", "ready", "stopping", "stopped"],
    );
  });

  test("replicas: N processes, each its own instance", async () => {
    await using run = await startSupervised([fixtureServer("pair", "healthy", [], { ...FAST, replicas: 2 })]);
    await waitFor(() => run.supervisor.getServer("pair")?.state === "ready", { what: "both replicas ready" });
    const pids = run.supervisor.getInstances("pair").map((instance) => instance.status.pid);
    assert.equal(new Set(pids).size, 2);
  });

  test("counts-starts: one process per instance, even across a restart", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "corral-starts-")), "starts");
    await using run = await startSupervised([fixtureServer("counter", "counts-starts", [file], FAST)]);
    await run.waitForTransition((t) => t.to === "ready");
    await run.supervisor.restartServer("counter");
    await run.waitForTransition((t) => t.to === "ready" && t.reason !== "", { from: 3 });
    assert.equal(readFileSync(file, "utf8").trim().split("\n").length, 2);
    assert.equal(run.trackedProcesses().filter((stat) => stat.comm === "node").length, 1);
  });
});
