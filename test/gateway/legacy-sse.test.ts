// The legacy HTTP+SSE transport (MCP 2024-11-05) at /sse and /servers/<name>/sse, driven raw: the
// endpoint event, answers on the stream, server-initiated messages, and every refusal.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { type CorralRun, getJson, runCorral } from "../helpers/corral-process.js";
import { LegacySseClient } from "../helpers/legacy-sse-client.js";
import { textOf } from "../helpers/mcp-http.js";
import { waitFor } from "../helpers/wait.js";

describe("legacy HTTP+SSE transport", () => {
  let corral: CorralRun;
  before(async () => {
    const { path } = writeFixtureConfig(
      {
        alpha: { fixture: "healthy" },
        grows: { fixture: "adds-tool-later" },
        own: {
          fixture: "healthy",
          extra: { mode: "per-session", stop: { stdinGrace: "300ms", termGrace: "300ms" } },
        },
      },
      { maxBodySize: "1Ki" },
    );
    corral = await runCorral(["up", "--config", path]);
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  test("the endpoint event comes first; a request before initialize is refused on the stream", async () => {
    const client = await LegacySseClient.open(`${corral.url}/servers/alpha/sse`);
    try {
      assert.match(client.messagesUrl, /\/servers\/alpha\/messages\?sessionId=[\w-]{22}$/);
      const early = await client.request("tools/list");
      assert.equal(early.error?.code, -32600);
      assert.match(early.error?.message ?? "", /initialize first/);
      const init = await client.initialize();
      assert.equal((init.result as { serverInfo?: { name?: string } }).serverInfo?.name, "healthy");
      assert.equal((init.result as { protocolVersion?: string }).protocolVersion, "2024-11-05");
      const tools = await client.request("tools/list");
      assert.deepEqual(
        (tools.result as { tools: { name: string }[] }).tools.map((tool) => tool.name),
        ["echo", "pid"],
      );
      const echo = await client.request("tools/call", { name: "echo", arguments: { text: "legacy" } });
      assert.equal(textOf(echo), "legacy");
      const again = await client.request("initialize", { protocolVersion: "2024-11-05", capabilities: {} });
      assert.match(again.error?.message ?? "", /already initialized/);
    } finally {
      client.close();
    }
  });

  test("the aggregate stream prefixes names; a batch is answered message by message", async () => {
    const client = await LegacySseClient.open(`${corral.url}/sse`);
    try {
      assert.match(client.messagesUrl, /^http:\/\/127\.0\.0\.1:\d+\/messages\?sessionId=/);
      await client.initialize();
      const posted = await client.post([
        {
          jsonrpc: "2.0",
          id: "b1",
          method: "tools/call",
          params: { name: "alpha__echo", arguments: { text: "one" } },
        },
        { jsonrpc: "2.0", id: "b2", method: "ping" },
      ]);
      assert.equal(posted.status, 202);
      assert.equal(textOf(await client.waitForMessage((message) => message.id === "b1")), "one");
      assert.deepEqual((await client.waitForMessage((message) => message.id === "b2")).result, {});
    } finally {
      client.close();
    }
  });

  test("server-initiated messages arrive on the stream of single-server and aggregate sessions", async () => {
    const single = await LegacySseClient.open(`${corral.url}/servers/grows/sse`);
    const all = await LegacySseClient.open(`${corral.url}/sse`);
    try {
      await single.initialize();
      await all.initialize();
      const added = await single.request("tools/call", { name: "add_tool", arguments: { name: "fresh" } });
      assert.equal(textOf(added), "added fresh");
      await single.waitForMessage((message) => message.method === "notifications/tools/list_changed");
      await all.waitForMessage((message) => message.method === "notifications/tools/list_changed");
      const names = ((await all.request("tools/list")).result as { tools: { name: string }[] }).tools.map(
        (tool) => tool.name,
      );
      assert.ok(names.includes("grows__fresh"), names.join(", "));
    } finally {
      single.close();
      all.close();
    }
  });

  test("an unknown or missing sessionId, another endpoint's session and an unknown server are refused", async () => {
    const client = await LegacySseClient.open(`${corral.url}/sse`);
    try {
      await client.initialize();
      const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
      const unknown = await client.post(ping, `${corral.url}/messages?sessionId=AAAAAAAAAAAAAAAAAAAAAA`);
      assert.equal(unknown.status, 404);
      assert.match(JSON.parse(unknown.text).error.message, /Session not found/);
      const missing = await client.post(ping, `${corral.url}/messages`);
      assert.equal(missing.status, 400);
      assert.match(JSON.parse(missing.text).error.message, /sessionId/);
      const elsewhere = await client.post(
        ping,
        `${corral.url}/servers/alpha/messages?sessionId=${client.sessionId}`,
      );
      assert.equal(elsewhere.status, 404);
      const noServer = await fetch(`${corral.url}/servers/nope/sse`, {
        headers: { accept: "text/event-stream" },
      });
      assert.equal(noServer.status, 404);
      assert.equal(((await noServer.json()) as { error: { code: string } }).error.code, "SERVER_NOT_FOUND");
      const noServerPost = await client.post(ping, `${corral.url}/servers/nope/messages?sessionId=x`);
      assert.equal(noServerPost.status, 404);
      assert.equal((await fetch(`${corral.url}/sse`, { method: "POST", body: "{}" })).status, 405);
      assert.equal((await fetch(`${corral.url}/messages`)).status, 405);
      const foreign = await fetch(`${corral.url}/sse`, {
        headers: { accept: "text/event-stream", origin: "http://evil.example" },
      });
      assert.equal(foreign.status, 403);
      await foreign.arrayBuffer();
    } finally {
      client.close();
    }
  });

  test("malformed JSON is 400 with a parse error; a non-JSON-RPC body is 400; an oversized one 413", async () => {
    const client = await LegacySseClient.open(`${corral.url}/sse`);
    try {
      const malformed = await client.post('{"jsonrpc": "2.0", "id": 1, "method": ');
      assert.equal(malformed.status, 400);
      const body = JSON.parse(malformed.text) as { jsonrpc: string; id: unknown; error: { code: number } };
      assert.equal(body.jsonrpc, "2.0");
      assert.equal(body.id, null);
      assert.equal(body.error.code, -32700);
      const notRpc = await client.post({ hello: "world" });
      assert.equal(notRpc.status, 400);
      assert.equal(JSON.parse(notRpc.text).error.code, -32600);
      const huge = await client.post({ jsonrpc: "2.0", method: "notifications/x", params: "x".repeat(4096) });
      assert.equal(huge.status, 413);
      // The session survives bad input.
      assert.equal((await client.initialize()).error, undefined);
    } finally {
      client.close();
    }
  });

  test("closing the stream ends the session: its messages URL answers 404, its own instance stops", async () => {
    const instancesOfOwn = async () =>
      (await getJson<{ servers: ServerView[] }>(`${corral.url}/api/v1/mcp/servers`)).servers.find(
        (server) => server.name === "own",
      )?.instances ?? [];
    const client = await LegacySseClient.open(`${corral.url}/servers/own/sse`);
    await client.initialize();
    const pid = textOf(await client.request("tools/call", { name: "pid", arguments: {} }));
    assert.match(pid ?? "", /^\d+$/);
    assert.equal((await instancesOfOwn()).length, 1);
    client.close();
    await waitFor(
      async () =>
        (await client.post({ jsonrpc: "2.0", id: 1, method: "ping" })).status === 404 ? true : undefined,
      { timeoutMs: 5_000, what: "the session to be gone" },
    );
    await waitFor(async () => (await instancesOfOwn()).length === 0, {
      timeoutMs: 5_000,
      what: "the per-session instance to stop",
    });
    // A stream closed before initialize leaves nothing behind either.
    const idle = await LegacySseClient.open(`${corral.url}/sse`);
    idle.close();
    await waitFor(
      async () => ((await idle.post({ jsonrpc: "2.0", method: "x" })).status === 404 ? true : undefined),
      { timeoutMs: 5_000, what: "the pending stream to be gone" },
    );
  });
});
