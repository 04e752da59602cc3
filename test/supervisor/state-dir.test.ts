// The state dir's lock and records: leftovers are ended only when pid AND start time match.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isCorralError } from "../../src/core/index.js";
import { isProcessAlive, readProcessStat } from "../../src/platform/index.js";
import { openStateDir, reapLeftovers } from "../../src/supervisor/index.js";
import { waitFor } from "../helpers/wait.js";

function spawnSleeper() {
  const child = spawn("sleep", ["1000"], { detached: true, stdio: "ignore" });
  const pid = child.pid as number;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { pid, exited, kill: () => child.kill("SIGKILL") };
}

test("a record whose pid was reused by an unrelated process never touches it", async () => {
  const stateDir = openStateDir(mkdtempSync(join(tmpdir(), "corral-state-")));
  const sleeper = spawnSleeper();
  try {
    const stat = await waitFor(() => readProcessStat(sleeper.pid), { what: "the sleeper's stat" });
    const base = {
      server: "s",
      instance: "s-1",
      pid: sleeper.pid,
      pgid: sleeper.pid,
      containment: "process-group",
      startedAt: "",
    };
    stateDir.recordChild({ ...base, startTime: String(Number(stat.startTime) - 1) });
    const outcomes = await reapLeftovers(stateDir);
    assert.equal(outcomes[0]?.killed, 0);
    assert.ok(isProcessAlive(sleeper.pid, stat.startTime), "the unrelated process is alive");
    assert.deepEqual(stateDir.listChildRecords(), [], "the stale record is dropped");

    stateDir.recordChild({ ...base, startTime: stat.startTime });
    const second = await reapLeftovers(stateDir);
    assert.equal(second[0]?.killed, 1);
    await sleeper.exited;
    assert.equal(isProcessAlive(sleeper.pid), false);
  } finally {
    sleeper.kill();
    stateDir.release();
  }
});

test("the lock refuses a second holder while the first lives, naming its pid; a dead holder's lock is taken over", () => {
  const path = mkdtempSync(join(tmpdir(), "corral-lock-"));
  const first = openStateDir(path);
  assert.throws(
    () => openStateDir(path, { pid: 1 }),
    (error: unknown) =>
      isCorralError(error, "STATE_DIR_LOCKED") && error.message.includes(`corral PID ${process.pid}`),
  );
  first.release();
  // A lock naming a process that is gone (pid 1's start time will not match this record) is stale.
  const again = openStateDir(path, { pid: 1 });
  again.release();
});
