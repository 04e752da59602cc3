// Issue 11 item 10: "next try in …" is computed when it is shown (the 503 body's message, `corral
// ps`), from the one nextAttemptAt; no reason carries a countdown frozen at transition time.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { CORRAL_BIN, getJson, REPO_ROOT, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";

/** "next try in 18.7s" → 18700. */
function parseNextTry(text: string): number {
  const match = /next try in (\d+(?:\.\d+)?)(ms|s)\b/.exec(text);
  assert.ok(match, `no "next try in" in ${JSON.stringify(text)}`);
  return Number(match[1]) * (match[2] === "s" ? 1_000 : 1);
}

test("a 503 and corral ps count down from nextAttemptAt; the reason holds no countdown", async () => {
  const { path } = writeFixtureConfig({
    broken: {
      fixture: "crash-on-start",
      extra: { restart: { initialDelay: "20s", maxDelay: "20s" } },
    },
  });
  await using corral = await runCorral(["up", "--config", path]);
  const api = `${corral.url}/api/v1/mcp`;
  const server = await waitFor(
    async () =>
      (await getJson<{ servers: ServerView[] }>(`${api}/servers`)).servers.find(
        (candidate) => candidate.state === "backoff",
      ),
    { what: "broken in backoff" },
  );
  const retryAt = Date.parse(server.instances[0]?.nextAttemptAt ?? "");
  const since = Date.parse(server.instances[0]?.since ?? "");
  assert.doesNotMatch(server.reason, /next try/);
  assert.equal(server.reasonKind, "exited");
  // Let a second and a half of the backoff pass: a countdown frozen at the transition would be off by it.
  await waitFor(() => Date.now() - since > 1_500, { what: "time to pass in backoff" });

  const before = Date.now();
  const response = await fetch(`${api}/execute`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ server: "broken", command: { method: "tools/list" } }),
  });
  const after = Date.now();
  assert.equal(response.status, 503);
  const { error } = (await response.json()) as {
    error: { message: string; reason: string; retryAt: string };
  };
  assert.equal(Date.parse(error.retryAt), retryAt);
  assert.doesNotMatch(error.reason, /next try/);
  const inMessage = parseNextTry(error.message);
  assert.ok(
    inMessage >= retryAt - after - 100 && inMessage <= retryAt - before + 100,
    `message says ${inMessage}ms, retryAt is ${retryAt - before}ms away`,
  );

  const psBefore = Date.now();
  const ps = spawnSync(process.execPath, [CORRAL_BIN, "ps", "--url", corral.url], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  const psAfter = Date.now();
  assert.equal(ps.status, 0, ps.stderr);
  const row = ps.stdout.split("\n").find((line) => line.startsWith("broken"));
  assert.ok(row, ps.stdout);
  const inPs = parseNextTry(row);
  assert.ok(
    inPs >= retryAt - psAfter - 100 && inPs <= retryAt - psBefore + 100,
    `ps says ${inPs}ms, retryAt is ${retryAt - psBefore}ms away: ${row}`,
  );
});
