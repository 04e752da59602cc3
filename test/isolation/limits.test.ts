// Limits through cgroups, on this kernel's real controllers: memory (OOM kill reported as such), pids
// (a fork bomb stays inside), cpu (a spinner gets its share and no more), and no cgroup left behind.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { detectCgroups, isProcessAlive, listDescendants } from "../../src/platform/index.js";
import {
  corralCgroupFolders,
  countTasks,
  cpuSecondsOf,
  missingControllers,
  testCgroupKey,
  testCgroups,
} from "../helpers/cgroups.js";
import { callEcho, requestInstance } from "../helpers/rpc.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { startSupervised } from "../helpers/supervised.js";
import { waitFor } from "../helpers/wait.js";

const MiB = 1024 * 1024;

const toolText = (answer: { result?: unknown }) =>
  JSON.parse((answer.result as { content: { text: string }[] }).content[0]?.text ?? "null") as Record<
    string,
    unknown
  >;

describe("limits (cgroups)", () => {
  test("memory: a hog over 128Mi is OOM-killed with reason oom-killed, peak within the limit; siblings serve on", async (t) => {
    const key = testCgroupKey();
    const cgroups = testCgroups(key);
    const skip = missingControllers(cgroups, ["memory"]);
    if (skip !== undefined) {
      cgroups.close();
      return t.skip(skip);
    }
    await using run = await startSupervised(
      [
        fixtureServer("hog", "abuses-host", [], {
          ...FAST,
          limits: { memoryBytes: 128 * MiB, enforce: "strict" },
        }),
        fixtureServer("sibling", "healthy", [], FAST),
      ],
      { cgroups },
    );
    await run.waitForTransition((t) => t.server === "hog" && t.to === "ready");
    await run.waitForTransition((t) => t.server === "sibling" && t.to === "ready");
    const [hog] = run.supervisor.getInstances("hog");
    const [sibling] = run.supervisor.getInstances("sibling");
    assert.ok(hog && sibling);
    assert.deepEqual(hog.status.limits, {
      memoryBytes: 128 * MiB,
      enforcement: { memory: "enforced" },
      cgroup: cgroups.version,
    });
    const link = hog.process;
    assert.ok(link);
    const from = run.transitions.length;
    // Capped at 1 GiB so that, were the limit not applied, the test fails instead of eating the host.
    hog.send(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "hog", arguments: { mb: 1024 } },
      }),
    );
    const ended = await run.waitForTransition((t) => t.server === "hog" && t.to === "backoff", { from });
    assert.match(ended.reason, /^oom-killed/);
    assert.equal(link.endInfo?.reason, "oom-killed");
    const peak =
      link.endInfo && "peakMemoryBytes" in link.endInfo ? Number(link.endInfo.peakMemoryBytes) : NaN;
    assert.ok(peak > 64 * MiB && peak <= 128 * MiB * 1.05, `peak ${peak / MiB} MiB within 128 MiB + 5 %`);
    assert.equal(await callEcho(sibling, "still here"), "still here");
    assert.equal(sibling.status.restarts, 0);
    // The hog comes back by itself (crash → backoff → restart), inside a fresh cgroup.
    await run.waitForTransition((t) => t.server === "hog" && t.to === "ready", { from });
    assert.ok(hog.usage() !== undefined);
  });

  test("pids: a fork bomb under pids 32 stays at or under 32 tasks; the host and a sibling are unaffected", async (t) => {
    const cgroups = testCgroups();
    const skip = missingControllers(cgroups, ["pids"]);
    if (skip !== undefined) {
      cgroups.close();
      return t.skip(skip);
    }
    await using run = await startSupervised(
      [
        fixtureServer("bomb", "abuses-host", [], { ...FAST, limits: { pids: 32, enforce: "strict" } }),
        fixtureServer("sibling", "healthy", [], FAST),
      ],
      { cgroups },
    );
    await run.waitForTransition((t) => t.server === "bomb" && t.to === "ready");
    await run.waitForTransition((t) => t.server === "sibling" && t.to === "ready");
    const [bomb] = run.supervisor.getInstances("bomb");
    const [sibling] = run.supervisor.getInstances("sibling");
    const pid = bomb?.status.pid;
    assert.ok(bomb && sibling && pid !== undefined);
    const treeTasks = () => countTasks([pid, ...listDescendants(pid).map((stat) => stat.pid)]);
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, treeTasks());
    }, 5);
    try {
      const answer = toolText(
        await requestInstance(bomb, "tools/call", { name: "forkbomb", arguments: { max: 200 } }, 20_000),
      );
      assert.equal(answer.refused, "EAGAIN", `the kernel refused a fork: ${JSON.stringify(answer)}`);
      assert.ok(Number(answer.started) < 32, `started ${String(answer.started)} processes`);
      most = Math.max(most, treeTasks());
    } finally {
      clearInterval(sampler);
    }
    assert.ok(most <= 32, `at most ${most} tasks in the tree`);
    assert.ok(most >= 28, `the bomb filled its budget (${most} tasks): the test would see an unlimited one`);
    assert.equal(spawnSync("/bin/true").status, 0, "the host can still start processes");
    assert.equal(await callEcho(sibling, "unaffected"), "unaffected");
  });

  test("cpu: two spinning processes under cpu 0.5 use at most 55 % of one core over 10 s", async (t) => {
    const cgroups = testCgroups();
    const skip = missingControllers(cgroups, ["cpu"]);
    if (skip !== undefined) {
      cgroups.close();
      return t.skip(skip);
    }
    await using run = await startSupervised(
      [fixtureServer("spin", "abuses-host", [], { ...FAST, limits: { cpu: 0.5, enforce: "strict" } })],
      { cgroups },
    );
    await run.waitForTransition((t) => t.to === "ready");
    const [spin] = run.supervisor.getInstances("spin");
    const pid = spin?.status.pid;
    assert.ok(spin && pid !== undefined);
    await requestInstance(spin, "tools/call", { name: "spin", arguments: { processes: 2 } });
    const tree = () => [pid, ...listDescendants(pid).map((stat) => stat.pid)];
    const cpu = () => tree().reduce((sum, each) => sum + cpuSecondsOf(each), 0);
    const before = cpu();
    const usageBefore = spin.usage()?.cpuSeconds ?? 0;
    const startedAt = performance.now();
    // The measurement window itself: CPU time is what is measured, wall time only bounds it.
    await sleep(10_000);
    const seconds = (performance.now() - startedAt) / 1_000;
    const used = cpu() - before;
    const share = used / seconds;
    assert.ok(share <= 0.55, `the tree used ${(share * 100).toFixed(1)} % of a core`);
    assert.ok(share >= 0.3, `the spinners ran (${(share * 100).toFixed(1)} % of a core)`);
    const reported = (spin.usage()?.cpuSeconds ?? 0) - usageBefore;
    assert.ok(
      Math.abs(reported - used) < 0.5,
      `the cgroup's account (${reported.toFixed(2)} s) matches /proc (${used.toFixed(2)} s)`,
    );
  });

  test("every cgroup is removed after stop, and the gateway's own folder at dispose", async (t) => {
    const key = testCgroupKey();
    const cgroups = testCgroups(key);
    if (cgroups.version === "none") return t.skip(`no cgroups here: ${cgroups.description}`); // nothing made
    {
      await using run = await startSupervised(
        [
          fixtureServer("a", "spawns-child-tree", [], {
            ...FAST,
            limits: { memoryBytes: 256 * MiB, enforce: "strict" },
          }),
          fixtureServer("b", "healthy", [], FAST),
        ],
        { cgroups },
      );
      await run.waitForTransition((t) => t.server === "a" && t.to === "ready");
      await run.waitForTransition((t) => t.server === "b" && t.to === "ready");
      // One folder per instance in each hierarchy, below corral/<key>.
      assert.ok(corralCgroupFolders(key).some((folder) => folder.endsWith("/a-1.1")));
      await run.supervisor.stopServer("a");
      assert.deepEqual(
        corralCgroupFolders(key).filter((folder) => folder.includes("/a-1")),
        [],
      );
    }
    assert.deepEqual(corralCgroupFolders(key), []);
  });

  test("a previous run's leftover cgroups (tasks inside) are killed and removed at start", async (t) => {
    const key = testCgroupKey();
    const first = testCgroups(key);
    if (first.version === "none") return t.skip(`no cgroups here: ${first.description}`);
    // A cgroup as a killed gateway leaves it: made, with a process inside, never removed.
    const leftover = first.create("gone-1.1", {});
    const sleeper = spawnSync(
      "/bin/sh",
      [
        "-c",
        `for f in ${leftover.procsFiles.join(" ")}; do echo $$ > $f; done; setsid sleep 600 >/dev/null 2>&1 & echo $!`,
      ],
      {
        encoding: "utf8",
      },
    );
    const orphan = Number(sleeper.stdout.trim());
    assert.ok(orphan > 0 && corralCgroupFolders(key).some((folder) => folder.endsWith("/gone-1.1")));
    try {
      await using run = await startSupervised([fixtureServer("ok", "healthy", [], FAST)], {
        cgroups: testCgroups(key),
      });
      await run.waitForTransition((t) => t.to === "ready");
      assert.deepEqual(
        corralCgroupFolders(key).filter((folder) => folder.includes("gone-1.1")),
        [],
      );
      await waitFor(() => !isProcessAlive(orphan), { what: "the orphan to be killed" });
    } finally {
      spawnSync("kill", ["-9", String(orphan)]);
    }
    assert.deepEqual(corralCgroupFolders(key), []);
  });

  test("strict limits the host cannot enforce refuse the start with a clear error (failed at once)", async () => {
    const none = detectCgroups({ mode: "none", key: testCgroupKey() });
    await using run = await startSupervised(
      [
        fixtureServer("strict", "healthy", [], {
          ...FAST,
          limits: { memoryBytes: 64 * MiB, enforce: "strict" },
        }),
      ],
      { cgroups: none },
    );
    const failed = await run.waitForTransition((t) => t.to === "failed");
    assert.match(
      failed.reason,
      /^server "strict" has limits\.memory but it cannot be enforced here: cgroups turned off \(--cgroups none\); fix the host \(see docs\/isolation\.md\) or set limits\.enforce: best-effort$/,
    );
    assert.deepEqual(
      run.transitions.map((t) => t.to),
      ["starting", "failed"],
    );
    assert.deepEqual(run.trackedProcesses(), []);
  });

  test("best-effort: without cgroups the memory limit is advisory; Corral stops the instance at the limit", async () => {
    const none = detectCgroups({ mode: "none", key: testCgroupKey() });
    await using run = await startSupervised(
      [
        fixtureServer("soft", "abuses-host", [], {
          ...FAST,
          limits: { memoryBytes: 128 * MiB, enforce: "best-effort" },
        }),
      ],
      { cgroups: none },
    );
    await run.waitForTransition((t) => t.to === "ready");
    const [soft] = run.supervisor.getInstances("soft");
    assert.ok(soft);
    assert.deepEqual(soft.status.limits, {
      memoryBytes: 128 * MiB,
      enforcement: { memory: "advisory" },
      cgroup: undefined,
    });
    const from = run.transitions.length;
    // Allocates slowly enough (8 MiB per step) for the 250 ms poll to see it pass the limit.
    soft.send(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "hog", arguments: { mb: 1024 } },
      }),
    );
    const ended = await run.waitForTransition((t) => t.to === "backoff", { from });
    assert.match(ended.reason, /^memory-limit \(advisory\): [\d.]+ MiB over 128\.0 MiB/);
  });

  test("maxProcesses: a start beyond the gateway's budget fails with a clear error", async () => {
    await using run = await startSupervised(
      [
        fixtureServer("first", "healthy", [], FAST),
        fixtureServer("second", "healthy", [], { ...FAST, start: "lazy" }),
      ],
      { maxProcesses: 1 },
    );
    await run.waitForTransition((t) => t.server === "first" && t.to === "ready");
    const used = run.supervisor.managedProcessCount();
    assert.ok(used >= 1, `the first server counts ${used} processes`);
    run.supervisor.startServer("second");
    const refused = await run.waitForTransition((t) => t.server === "second" && t.to === "backoff");
    assert.match(
      refused.reason,
      new RegExp(
        `^cannot start server "second": ${used} managed processes already, gateway\\.maxProcesses is 1; stop a server or raise maxProcesses`,
      ),
    );
    assert.equal(run.supervisor.getInstances("second")[0]?.status.pid, undefined);
  });
});
