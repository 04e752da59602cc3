// Acceptance 5: SIGKILL `corral up` 20 times in a row with 10 servers (grandchild spawners included),
// restarting it each time: after each restart nothing of the previous run is alive and each server
// has exactly one instance. Plus the fallback without PID namespaces, where the state dir's records
// are what ends the leftovers.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { isProcessAlive, listProcesses, type ProcessStat } from "../../src/platform/index.js";
import { type FixtureServerSpec, writeFixtureConfig } from "../helpers/config-file.js";
import { type CorralRun, getJson, runCorral } from "../helpers/corral-process.js";

const ROUNDS = 20;

/**
 * Living processes whose environment carries the marker (exactly, or as a prefix). Descendants
 * inherit it, so this finds setsid grandchildren too, whatever their parent now is.
 */
function markedProcesses(marker: string, { prefix = false } = {}): ProcessStat[] {
  return listProcesses().filter((stat) => {
    if (stat.state === "Z") return false;
    try {
      const entries = readFileSync(`/proc/${stat.pid}/environ`, "utf8").split("\0");
      const wanted = `CORRAL_TEST_SERVER=${marker}`;
      return entries.some((entry) => (prefix ? entry.startsWith(wanted) : entry === wanted));
    } catch {
      return false;
    }
  });
}

function serverProcesses(marker: string): ProcessStat[] {
  return markedProcesses(marker).filter((stat) => stat.comm === "node");
}

function tenServers(dirHint: string): Record<string, FixtureServerSpec & { perInstance: number }> {
  const specs: Record<string, FixtureServerSpec & { perInstance: number }> = {};
  const add = (name: string, fixture: FixtureServerSpec["fixture"], args: string[], perInstance = 1) => {
    specs[name] = {
      fixture,
      args,
      perInstance,
      extra: {
        env: { CORRAL_TEST_SERVER: `${dirHint}-${name}` },
        stop: { stdinGrace: "200ms", termGrace: "200ms" },
      },
    };
  };
  add("healthy-a", "healthy", []);
  add("healthy-b", "healthy", []);
  add("grand-a", "spawns-setsid-grandchild", [join("/tmp", `${dirHint}-grand-a.pid`), "--tree"]);
  add("grand-b", "spawns-setsid-grandchild", [join("/tmp", `${dirHint}-grand-b.pid`)]);
  add("grand-c", "spawns-setsid-grandchild", [join("/tmp", `${dirHint}-grand-c.pid`), "--tree"]);
  add("tree-a", "spawns-child-tree", [], 2);
  add("tree-b", "spawns-child-tree", [], 2);
  add("hangs", "hangs-on-sigterm", []);
  add("eof", "ignores-stdin-eof", []);
  add("garbage", "writes-garbage-to-stdout", []);
  return specs;
}

async function assertOneInstanceEach(
  corral: CorralRun,
  specs: ReturnType<typeof tenServers>,
  marker: string,
  round: number,
): Promise<void> {
  const { servers } = await getJson<{ servers: ServerView[] }>(`${corral.url}/api/v1/mcp/servers`);
  assert.equal(servers.length, 10);
  for (const server of servers) {
    assert.equal(server.state, "ready", `round ${round}: ${server.name} ${server.reason}`);
    assert.equal(server.instances.length, 1);
    const spec = specs[server.name];
    assert.ok(spec);
    const count = serverProcesses(`${marker}-${server.name}`).length;
    assert.equal(count, spec.perInstance, `round ${round}: ${server.name} has ${count} node processes`);
  }
}

describe("no orphans when corral is SIGKILLed", () => {
  test(`${ROUNDS} SIGKILLs in a row, 10 servers: nothing of a killed run survives its restart`, async () => {
    const marker = `sk${process.pid}`;
    const specs = tenServers(marker);
    const { path } = writeFixtureConfig(specs);
    let previous: ProcessStat[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const corral = await runCorral(["up", "--config", path]);
      const survivors = previous.filter((stat) => isProcessAlive(stat.pid, stat.startTime));
      assert.deepEqual(
        survivors.map((stat) => `${stat.pid} ${stat.comm}`),
        [],
        `round ${round}: processes of the killed run`,
      );
      await assertOneInstanceEach(corral, specs, marker, round);
      corral.sample();
      assert.ok(corral.seen.size >= 20, `round ${round}: saw ${corral.seen.size} processes`);
      if (round === ROUNDS - 1) {
        await corral[Symbol.asyncDispose]();
        break;
      }
      // Everything of this run, found by the inherited marker: 12 node processes, 5 sleeps (3 setsid
      // grandchildren, 2 plain children), plus the containment's own processes found by parentage.
      previous = [...markedProcesses(`${marker}-`, { prefix: true }), ...corral.seen.values()];
      const sleeps = previous.filter((stat) => stat.comm === "sleep");
      assert.ok(sleeps.length >= 5, `round ${round}: ${sleeps.length} sleeping descendants marked`);
      corral.child.kill("SIGKILL");
      await corral.exited;
    }
  });

  test("without PID namespaces, the next start ends leftovers recorded in the state dir", async () => {
    const { path } = writeFixtureConfig({
      hangs: { fixture: "hangs-on-sigterm", extra: { stop: { stdinGrace: "100ms", termGrace: "100ms" } } },
    });
    const first = await runCorral(["up", "--config", path, "--containment", "process-group"]);
    const { servers } = await getJson<{ servers: ServerView[] }>(`${first.url}/api/v1/mcp/servers`);
    const orphanPid = servers[0]?.instances[0]?.pid as number;
    const orphan = listProcesses().find((stat) => stat.pid === orphanPid) as ProcessStat;
    first.child.kill("SIGKILL");
    await first.exited;
    // It ignores stdin EOF and has no parent-death signal: it outlives the killed gateway.
    assert.ok(isProcessAlive(orphan.pid, orphan.startTime), "the orphan is alive before the restart");
    await using second = await runCorral(["up", "--config", path, "--containment", "process-group"]);
    assert.equal(isProcessAlive(orphan.pid, orphan.startTime), false, "the orphan is gone after the restart");
    assert.match(second.stderr, /ended processes left by a previous run/);
    const now = await getJson<{ servers: ServerView[] }>(`${second.url}/api/v1/mcp/servers`);
    assert.equal(now.servers[0]?.state, "ready");
    assert.notEqual(now.servers[0]?.instances[0]?.pid, orphanPid);
  });
});
