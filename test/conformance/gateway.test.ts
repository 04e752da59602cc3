// Acceptance (gateway issue) 1: the official conformance suite's active server scenarios, run
// through the gateway against the stdio conformance fixture: on its own endpoint, and on the
// aggregate endpoint with `prefix: false` for it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { runCorral } from "../helpers/corral-process.js";
import { ACTIVE_SERVER_SCENARIOS, loadRunner } from "./suite.js";

describe("conformance through the gateway", { timeout: 400_000 }, () => {
  for (const endpoint of ["/servers/conformance/mcp", "/mcp"]) {
    it(`all ${ACTIVE_SERVER_SCENARIOS.length} active server scenarios pass on ${endpoint}`, async (t) => {
      const { path } = writeFixtureConfig({
        conformance: { fixture: "conformance-server", extra: { prefix: false } },
      });
      await using corral = await runCorral(["up", "--config", path]);
      const { runConformance, formatReport } = await loadRunner();
      const result = await runConformance({ url: `${corral.url}${endpoint}`, timeoutMs: 150_000 });
      for (const line of formatReport(result)) t.diagnostic(line);
      assert.deepEqual(result.failed, [], `failed scenarios; the suite's results are in ${result.outDir}`);
      assert.deepEqual([...result.passed].sort(), [...ACTIVE_SERVER_SCENARIOS].sort());
    });
  }
});
