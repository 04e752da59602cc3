// Acceptance 4: each fixture is gone within the ladder's bound, setsid grandchildren included, with
// 0 survivors over 20 stops per fixture.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { isProcessAlive, listDescendants } from "../../src/platform/index.js";
import type { FixtureName } from "../fixtures/fixture-path.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { startSupervised } from "../helpers/supervised.js";
import { waitFor } from "../helpers/wait.js";

const STOPS = 20;
const stop = { stdinGraceMs: 200, termGraceMs: 300 };
// The ladder's bound: both graces, plus the time the kernel and the event loop take to report exit.
const BOUND_MS = stop.stdinGraceMs + stop.termGraceMs + 400;

const cases: { fixture: FixtureName; args?: (dir: string) => string[]; rung: string }[] = [
  { fixture: "healthy", rung: "exited on stdin close" },
  { fixture: "ignores-stdin-eof", rung: "exited on SIGTERM" },
  { fixture: "hangs-on-sigterm", rung: "killed by SIGKILL" },
  {
    fixture: "spawns-setsid-grandchild",
    args: (dir) => [join(dir, "grandchild.pid"), "--tree"],
    rung: "exited on stdin close",
  },
  { fixture: "spawns-child-tree", rung: "exited on stdin close" },
  { fixture: "floods-stderr", args: () => ["500"], rung: "exited on stdin close" },
  { fixture: "writes-garbage-to-stdout", rung: "exited on stdin close" },
];

describe("stop ladder", () => {
  for (const { fixture, args, rung } of cases) {
    test(`${fixture}: ${STOPS} stops, each within ${BOUND_MS}ms, 0 survivors`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "corral-ladder-"));
      await using run = await startSupervised([
        fixtureServer("s", fixture, args?.(dir) ?? [], { ...FAST, stop }),
      ]);
      for (let round = 0; round < STOPS; round += 1) {
        const from = run.transitions.length;
        if (round > 0) run.supervisor.startServer("s");
        const ready = await run.waitForTransition((t) => t.to === "ready", { from });
        const tree = listDescendants(ready.pid as number);
        const grandchild =
          fixture === "spawns-setsid-grandchild"
            ? await waitFor(
                () => {
                  try {
                    return Number(readFileSync(join(dir, "grandchild.pid"), "utf8").trim()) || undefined;
                  } catch {
                    return undefined;
                  }
                },
                { what: "the grandchild pid file" },
              )
            : undefined;
        const startedAt = Date.now();
        await run.supervisor.stopServer("s");
        const took = Date.now() - startedAt;
        assert.ok(took <= BOUND_MS, `round ${round}: stop took ${took}ms`);
        const survivors = [ready.pid as number, ...tree.map((stat) => stat.pid)].filter((pid) =>
          isProcessAlive(pid),
        );
        assert.deepEqual(survivors, [], `round ${round}: survivors`);
        if (grandchild !== undefined) {
          // The grandchild lives in the instance's PID namespace; the pid file holds its pid there,
          // so check it through the namespace-wide sweep: nothing tracked may be alive.
          assert.deepEqual(
            run.trackedProcesses().map((stat) => `${stat.pid} ${stat.comm}`),
            [],
            `round ${round}: tracked survivors`,
          );
        }
        const stopped = run.transitions.slice(from).find((t) => t.to === "stopped");
        assert.ok(
          stopped?.reason.includes(rung),
          `round ${round}: "${stopped?.reason}" should say "${rung}"`,
        );
      }
    });
  }
});
