// Nothing a client sends can hurt the gateway: DNS-rebinding Host/Origin, bodies over the limit,
// and a thousand malformed frames, each answered with a 4xx or a JSON-RPC error.
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { describe, test } from "node:test";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { runCorral } from "../helpers/corral-process.js";
import { McpHttpClient, textOf } from "../helpers/mcp-http.js";

/** A raw request, so the Host header can be anything (fetch does not let us set it). */
function rawPost(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: "POST", headers }, (response) => {
      let text = "";
      response.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

describe("protection", () => {
  test("Host: evil.example and a foreign Origin are refused; a body over the limit is 413", async () => {
    const { path } = writeFixtureConfig(
      { ok: { fixture: "healthy" } },
      { maxBodySize: "64Ki", allowedOrigins: ["https://app.example.com"] },
    );
    await using corral = await runCorral(["up", "--config", path]);
    const init = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } },
    });
    const json = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const evil = await rawPost(`${corral.url}/mcp`, { ...json, host: "evil.example" }, init);
    assert.equal(evil.status, 403);
    assert.match(evil.text, /HOST_NOT_ALLOWED/);
    const rebinding = await rawPost(`${corral.url}/mcp`, { ...json, host: "evil.example:80" }, init);
    assert.equal(rebinding.status, 403);
    const origin = await rawPost(`${corral.url}/mcp`, { ...json, origin: "https://evil.example" }, init);
    assert.equal(origin.status, 403);
    assert.match(origin.text, /ORIGIN_NOT_ALLOWED/);
    const allowed = await rawPost(`${corral.url}/mcp`, { ...json, origin: "https://app.example.com" }, init);
    assert.equal(allowed.status, 200);
    // Exact origins: another port on loopback is another site (issue 12, item 7).
    const local = await rawPost(`${corral.url}/mcp`, { ...json, origin: "http://localhost:3000" }, init);
    assert.equal(local.status, 403);
    assert.match(local.text, /ORIGIN_NOT_ALLOWED/);
    const own = await rawPost(`${corral.url}/mcp`, { ...json, origin: corral.url }, init);
    assert.equal(own.status, 200);

    const client = await McpHttpClient.connect(`${corral.url}/mcp`);
    const big = await client.post({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "ok__echo", arguments: { text: "x".repeat(70 * 1024) } },
    });
    assert.equal(big.status, 413);
    const fits = await client.request("tools/call", {
      name: "ok__echo",
      arguments: { text: "y".repeat(60 * 1024) },
    });
    assert.equal(textOf(fits)?.length, 60 * 1024);
  });

  test("1,000 malformed frames: each a 4xx or a JSON-RPC error; the gateway keeps serving", async () => {
    const { path } = writeFixtureConfig({ ok: { fixture: "healthy" } });
    await using corral = await runCorral(["up", "--config", path]);
    const client = await McpHttpClient.connect(`${corral.url}/mcp`);
    const headers = client.headers();
    const frames: (string | ((index: number) => string))[] = [
      "{",
      "not json at all",
      "",
      "[]",
      "42",
      "null",
      '"string"',
      '{"jsonrpc":"1.0","id":1,"method":"ping"}',
      '{"id":1,"method":"ping"}',
      '{"jsonrpc":"2.0","id":1}',
      '{"jsonrpc":"2.0","id":{"nested":true},"method":"tools/call"}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"nope"}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":42}}',
      '{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{}}',
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":7}}',
      (index) => `[{"jsonrpc":"2.0","id":${index},"method":"ping"},{"jsonrpc":"2.0","id":"x"}]`,
      (index) => `{"jsonrpc":"2.0","id":${index},"method":"${"a".repeat(5000)}"}`,
      "\u0000\u0001\u0002",
      '{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"loud"}}',
      '{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/nothing"}}}',
    ];
    let rejected = 0;
    for (let index = 0; index < 1_000; index += 1) {
      const frame = frames[index % frames.length] as string | ((index: number) => string);
      const body = typeof frame === "function" ? frame(index) : frame;
      const sessionHeaders = index % 7 === 0 ? { ...headers, "mcp-session-id": "not-a-session" } : headers;
      const response = await fetch(`${corral.url}/mcp`, { method: "POST", headers: sessionHeaders, body });
      const text = await response.text();
      if (response.status >= 400 && response.status < 500) {
        rejected += 1;
        continue;
      }
      assert.ok(
        response.status === 200 || response.status === 202,
        `frame ${index}: status ${response.status}`,
      );
      if (response.status === 200) {
        const parsed = JSON.parse(text) as { error?: unknown } | { error?: unknown }[];
        const answers = Array.isArray(parsed) ? parsed : [parsed];
        assert.ok(
          answers.some((answer) => answer.error !== undefined) || body.includes('"ping"'),
          `frame ${index}: ${text.slice(0, 200)}`,
        );
      }
    }
    assert.ok(rejected > 500, `${rejected} frames refused with a 4xx`);
    const health = await fetch(`${corral.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(
      textOf(await client.request("tools/call", { name: "ok__echo", arguments: { text: "alive" } })),
      "alive",
    );
  });
});
