// Acceptance 5 end to end: `corral up` with limited servers leaves no cgroup after a stop, and after a
// SIGKILL of the gateway the next start on the same state dir removes what the killed run left.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import type { ServerView } from "../../src/api/index.js";
import { cgroupKey } from "../../src/platform/index.js";
import { corralCgroupFolders, missingControllers, testCgroups } from "../helpers/cgroups.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { CORRAL_BIN, getJson, runCorral } from "../helpers/corral-process.js";

const limits = { memory: "256Mi", cpu: 1, pids: 64 };
const probe = testCgroups();
const skip = missingControllers(probe, ["memory", "cpu", "pids"]);
probe.close();

describe("no cgroup left behind by corral up", { skip }, () => {
  test("stop, SIGKILL + restart: 0 leftover cgroups of Corral", async () => {
    const { dir, path } = writeFixtureConfig({
      limited: { fixture: "spawns-child-tree", extra: { limits } },
      other: { fixture: "healthy", extra: { limits: { memory: "128Mi" } } },
    });
    const stateDir = join(dir, "state");
    const key = cgroupKey(stateDir);
    const args = ["up", "--config", path, "--state-dir", stateDir];

    const first = await runCorral(args);
    const { servers } = await getJson<{ servers: ServerView[] }>(`${first.url}/api/v1/mcp/servers`);
    const limited = servers.find((server) => server.name === "limited");
    assert.deepEqual(limited?.instances[0]?.limits, {
      memoryBytes: 256 * 1024 * 1024,
      cpu: 1,
      pids: 64,
      enforcement: { memory: "enforced", cpu: "enforced", pids: "enforced" },
      cgroup: "v1",
    });
    assert.ok((limited?.instances[0]?.memoryBytes ?? 0) > 0, "memory read from the cgroup");
    const ps = await promisify(execFile)(process.execPath, [CORRAL_BIN, "ps", "--url", first.url]);
    assert.match(ps.stdout, /^limited +ready +1\/1 +\d+ +\d+s +0 +\d+ MiB \/ 256 MiB /m);
    const before = corralCgroupFolders(key);
    assert.ok(
      before.some((folder) => folder.endsWith("/limited-1.1")),
      before.join("\n"),
    );
    first.child.kill("SIGKILL");
    await first.exited;
    assert.ok(
      corralCgroupFolders(key).some((folder) => folder.endsWith("/limited-1.1")),
      "the killed run's cgroups are still there",
    );

    {
      await using second = await runCorral(args);
      assert.match(second.stderr, /removed cgroups left by a previous run/);
      const now = corralCgroupFolders(key);
      assert.ok(
        now.some((folder) => folder.endsWith("/limited-1.1")),
        "the new instance has its cgroup",
      );
      const status = await getJson<{ servers: ServerView[] }>(`${second.url}/api/v1/mcp/servers`);
      assert.equal(status.servers.find((server) => server.name === "limited")?.state, "ready");
    }
    assert.deepEqual(corralCgroupFolders(key), [], "nothing left after a clean stop");
  });
});
