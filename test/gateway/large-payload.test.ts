// A full pipe to the server is backpressure, not a dead server: 16 concurrent 64 KiB calls on one
// shared instance all come back intact.
import assert from "node:assert/strict";
import { test } from "node:test";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { runCorral } from "../helpers/corral-process.js";
import { McpHttpClient, textOf } from "../helpers/mcp-http.js";

test("16 concurrent 64 KiB calls on one shared instance are all answered", async () => {
  const { path } = writeFixtureConfig({ ok: { fixture: "healthy" } });
  await using corral = await runCorral(["up", "--config", path]);
  const clients = await Promise.all(
    Array.from({ length: 16 }, () => McpHttpClient.connect(`${corral.url}/servers/ok/mcp`)),
  );
  for (let round = 0; round < 5; round += 1) {
    const answers = await Promise.all(
      clients.map(async (client, index) => {
        const text = `${round}-${index}-`.padEnd(64 * 1024, String.fromCharCode(97 + index));
        return { text, answer: await client.request("tools/call", { name: "echo", arguments: { text } }) };
      }),
    );
    for (const { text, answer } of answers) {
      assert.equal(answer.error, undefined, answer.error?.message);
      assert.equal(textOf(answer), text);
    }
  }
});
