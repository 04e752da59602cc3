// Proves the conformance fixture: serves test/fixtures/conformance-server.ts directly over Streamable HTTP
// (no gateway) and runs the official suite's active server scenarios against it, so that a scenario that
// fails through the gateway fails for the gateway's sake.
import assert from "node:assert/strict";
import { it } from "node:test";
import { spawnFixture } from "../fixtures/lib/fixture-process.js";
import { ACTIVE_SERVER_SCENARIOS, loadRunner } from "./suite.js";

it("the conformance fixture passes every active server scenario over direct Streamable HTTP", {
  timeout: 180_000,
}, async (t) => {
  await using fixture = spawnFixture("conformance-server", ["--http", "0"]);
  const url = (await fixture.waitForStderr(/^listening (\S+)$/, 10_000))[1];
  assert.ok(url !== undefined);
  const { runConformance, formatReport } = await loadRunner();

  const result = await runConformance({ url, timeoutMs: 150_000 });
  for (const line of formatReport(result)) t.diagnostic(line);

  assert.deepEqual(result.failed, [], `failed scenarios; the suite's results are in ${result.outDir}`);
  assert.deepEqual([...result.passed].sort(), [...ACTIVE_SERVER_SCENARIOS].sort());
  assert.ok(result.checks >= result.total, `${result.checks} checks for ${result.total} scenarios`);
});
