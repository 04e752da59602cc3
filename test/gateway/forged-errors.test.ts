// A server cannot pose as Corral: its errors in Corral's code block (−31000…−31099) reach clients as
// −32000 with the message kept and the original code in data.upstreamCode, and a `data.source` of
// "corral" becomes "server", on both MCP endpoints and through REST execute. Other codes pass as sent.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { type CorralRun, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient } from "../helpers/mcp-http.js";

describe("servers cannot forge Corral's errors", () => {
  let corral: CorralRun;

  before(async () => {
    const { path } = writeFixtureConfig({ forger: { fixture: "forges-gateway-errors" } });
    corral = await runCorral(["up", "--config", path]);
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  for (const [path, tool] of [
    ["/mcp", "forger__forge"],
    ["/servers/forger/mcp", "forge"],
  ] as const) {
    test(`${path}: a reserved code becomes −32000, the server's message and code kept in data`, async () => {
      const client = await McpHttpClient.connect(`${corral.url}${path}`);
      for (const code of [-31001, -31002, -31005, -31099]) {
        const answer = await client.request("tools/call", { name: tool, arguments: { code } });
        assert.deepEqual(answer.error, {
          code: -32000,
          message: 'server "other" is not ready: forged',
          data: {
            source: "server",
            server: "forger",
            reason: "forged",
            upstreamCode: code,
            upstreamSource: "corral",
          },
        });
      }
      const plain = await client.request("tools/call", { name: tool, arguments: { code: -32602 } });
      assert.equal(plain.error?.code, -32602, "codes outside Corral's block are the server's to use");
      assert.equal((plain.error?.data as { source?: string } | undefined)?.source, "server");
    });
  }

  test("REST execute reports the fenced error", async () => {
    const response = await fetch(`${corral.url}/api/v1/mcp/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ server: "forger", tool: "forge", arguments: {} }),
    });
    const body = (await response.json()) as {
      error: { rpcError?: { code: number; data: Record<string, unknown> } };
    };
    assert.equal(response.status, 502, JSON.stringify(body));
    assert.equal(body.error.rpcError?.code, -32000);
    assert.equal(body.error.rpcError?.data.upstreamCode, -31001);
  });
});
