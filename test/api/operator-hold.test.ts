// An operator's stop holds until start: REST execute and MCP requests answer at once that the server
// was stopped by an operator and how to start it, and nothing starts it meanwhile. An idle stop is
// not a hold (test/supervisor/lifecycle.test.ts: a lazy server starts again on use).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { type CorralRun, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient, textOf } from "../helpers/mcp-http.js";
import { waitFor } from "../helpers/wait.js";
import { call, errorOf, fixtureServer, post, writeConfig } from "./api-config.js";
import { createShapeChecker } from "./openapi-shapes.js";

const shapes = createShapeChecker();
const SERVER = "/api/v1/mcp/servers/{name}";

const server = async (corral: CorralRun, name: string) =>
  (await call(`${corral.url}/api/v1/mcp/servers/${name}`)).body.server as ServerView;

async function act(corral: CorralRun, name: string, action: "start" | "stop" | "restart", status: number) {
  const answer = await post(`${corral.url}/api/v1/mcp/servers/${name}/${action}`, "");
  assert.equal(answer.status, status, `${action} ${name}: ${JSON.stringify(answer.body)}`);
  shapes.assertResponse(`${SERVER}/${action}`, "post", answer.status, answer.body);
  return answer.body;
}

const HELD = (name: string) =>
  new RegExp(`stopped by an operator .*; start it with \`corral start ${name}\``);

describe("an operator's stop holds", () => {
  test("REST execute and MCP calls answer at once that it was stopped, and start nothing until start", async () => {
    const { path } = writeConfig(() => ({
      memory: fixtureServer("healthy"),
      later: fixtureServer("healthy", [], { start: "lazy" }),
    }));
    await using corral = await runCorral(["up", "--config", path]);
    const execute = (name: string) =>
      post(`${corral.url}/api/v1/mcp/execute`, { server: name, tool: "echo", arguments: { text: "hi" } });
    await waitFor(async () => (await server(corral, "memory")).tools === 2, { what: "memory listed" });
    const own = await McpHttpClient.connect(`${corral.url}/servers/memory/mcp`);
    const all = await McpHttpClient.connect(`${corral.url}/mcp`);
    assert.equal(
      textOf(await own.request("tools/call", { name: "echo", arguments: { text: "before" } })),
      "before",
    );

    await act(corral, "memory", "stop", 202);
    const held = await server(corral, "memory");
    assert.deepEqual([held.state, held.held], ["stopped", true]);
    assert.match(held.reason, HELD("memory"));

    // REST: 503 with the reason, at once, and the server stays stopped.
    const refused = await execute("memory");
    assert.equal(refused.status, 503);
    shapes.assertResponse("/api/v1/mcp/execute", "post", refused.status, refused.body);
    const error = errorOf(refused.body);
    assert.equal(error.code, "SERVER_UNAVAILABLE");
    assert.equal(error.held, true);
    assert.match(error.message ?? "", HELD("memory"));
    assert.match(String(error.reason), HELD("memory"));
    // MCP, on the server's own endpoint and on /mcp: a JSON-RPC error saying the same.
    for (const answer of [
      await own.request("tools/call", { name: "echo", arguments: { text: "held" } }),
      await all.request("tools/call", { name: "memory__echo", arguments: { text: "held" } }),
    ]) {
      assert.equal(answer.error?.code, -31001);
      assert.match(answer.error?.message ?? "", HELD("memory"));
      const data = answer.error?.data as { reason?: string; held?: boolean };
      assert.match(data.reason ?? "", HELD("memory"));
      assert.equal(data.held, true);
    }
    // /mcp still lists its tools, as for any stopped server.
    const listed = await all.request("tools/list", {});
    const names = (listed.result as { tools: { name: string }[] }).tools.map((tool) => tool.name);
    assert.ok(names.includes("memory__echo"));
    const still = await server(corral, "memory");
    assert.deepEqual(
      [still.state, still.instances.map((instance) => [instance.state, instance.pid])],
      ["stopped", [["stopped", null]]],
    );

    // A lazy server an operator stopped is not started by use either.
    await act(corral, "later", "stop", 202);
    assert.equal((await act(corral, "later", "stop", 200)).changed, false);
    assert.equal((await execute("later")).status, 503);
    assert.deepEqual(
      (await server(corral, "later")).instances.map((instance) => instance.state),
      ["stopped"],
    );

    // start ends the hold; use works again.
    await act(corral, "memory", "start", 202);
    await act(corral, "later", "start", 202);
    assert.equal((await server(corral, "memory")).held, false);
    await waitFor(async () => (await execute("memory")).status === 200, { what: "memory answers again" });
    assert.equal((await execute("later")).status, 200);
    assert.equal(
      textOf(await own.request("tools/call", { name: "echo", arguments: { text: "after" } })),
      "after",
    );
    await own.delete();
    await all.delete();
  });

  test("restart ends a hold too", async () => {
    const { path } = writeConfig(() => ({ memory: fixtureServer("healthy") }));
    await using corral = await runCorral(["up", "--config", path]);
    await waitFor(async () => (await server(corral, "memory")).state === "ready", { what: "ready" });
    await act(corral, "memory", "stop", 202);
    await act(corral, "memory", "restart", 202);
    await waitFor(async () => (await server(corral, "memory")).state === "ready", { what: "ready again" });
    assert.equal((await server(corral, "memory")).held, false);
  });
});
