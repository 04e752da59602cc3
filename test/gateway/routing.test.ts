// Aggregation and routing: prefixed names on /mcp, untouched names on /servers/<name>/mcp, the tool
// policy, collisions resolved and reported, unknown names, ping answered by the gateway.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { getJson, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient, textOf } from "../helpers/mcp-http.js";

describe("aggregation and routing", () => {
  test("prefixed names on /mcp route to the right server; /servers/<name>/mcp keeps names; policy applies", async () => {
    const { path } = writeFixtureConfig({
      alpha: { fixture: "healthy" },
      beta: { fixture: "healthy", extra: { tools: { deny: ["pid"] } } },
      gamma: { fixture: "healthy", extra: { prefix: "g", tools: { allow: ["echo"] } } },
    });
    await using corral = await runCorral(["up", "--config", path]);
    const { servers } = await getJson<{ servers: ServerView[] }>(`${corral.url}/api/v1/mcp/servers`);
    const pidOf = (name: string) => servers.find((server) => server.name === name)?.instances[0]?.pid;

    const all = await McpHttpClient.connect(`${corral.url}/mcp`);
    assert.equal((all.initializeResult?.serverInfo as { name?: string } | undefined)?.name, "corral");
    const tools = await all.request("tools/list");
    const names = (tools.result as { tools: { name: string }[] }).tools.map((tool) => tool.name);
    assert.deepEqual(names, ["alpha__echo", "alpha__pid", "beta__echo", "g__echo"]);
    assert.equal(
      textOf(await all.request("tools/call", { name: "beta__echo", arguments: { text: "to beta" } })),
      "to beta",
    );
    // The pid tool reports the pid inside the server's PID namespace; the process is the one corral runs.
    const alphaPid = textOf(await all.request("tools/call", { name: "alpha__pid", arguments: {} }));
    assert.match(alphaPid ?? "", /^\d+$/);
    assert.ok(typeof pidOf("alpha") === "number");

    const unknown = await all.request("tools/call", { name: "beta__pid", arguments: {} });
    assert.equal(unknown.error?.code, -32602);
    assert.match(unknown.error?.message ?? "", /Unknown tool: beta__pid/);
    assert.deepEqual((await all.request("ping")).result, {});
    const method = await all.request("no/such/method");
    assert.equal(method.error?.code, -32601);

    const beta = await McpHttpClient.connect(`${corral.url}/servers/beta/mcp`);
    assert.equal((beta.initializeResult?.serverInfo as { name?: string } | undefined)?.name, "healthy");
    const betaTools = (await beta.request("tools/list")).result as { tools: { name: string }[] };
    assert.deepEqual(
      betaTools.tools.map((tool) => tool.name),
      ["echo"],
    );
    assert.equal(
      textOf(await beta.request("tools/call", { name: "echo", arguments: { text: "direct" } })),
      "direct",
    );
    const denied = await beta.request("tools/call", { name: "pid", arguments: {} });
    assert.match(denied.error?.message ?? "", /not exposed by the config of "beta"/);

    // A session belongs to its endpoint.
    const wrong = await fetch(`${corral.url}/servers/alpha/mcp`, {
      method: "POST",
      headers: { ...beta.headers() },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    assert.equal(wrong.status, 404);
    assert.equal(await all.delete(), 200);
    const gone = await all.request("ping").catch((error: Error) => error);
    assert.ok(!(gone instanceof Error) && gone.error?.code === -32001, "a deleted session is gone");
  });

  test("with shadowing: warn, a name collision is resolved deterministically (config order wins) and logged", async () => {
    const { path } = writeFixtureConfig(
      {
        first: { fixture: "healthy", extra: { prefix: false } },
        second: { fixture: "healthy", extra: { prefix: false } },
      },
      { shadowing: "warn" },
    );
    await using corral = await runCorral(["up", "--config", path]);
    const client = await McpHttpClient.connect(`${corral.url}/mcp`);
    const names = ((await client.request("tools/list")).result as { tools: { name: string }[] }).tools.map(
      (tool) => tool.name,
    );
    assert.deepEqual(names, ["echo", "pid", "second__echo", "second__pid"]);
    assert.equal(
      textOf(await client.request("tools/call", { name: "second__echo", arguments: { text: "2" } })),
      "2",
    );
    assert.match(corral.stderr, /name collision: tools "echo" of second exposed as "second__echo"/);
  });
});
