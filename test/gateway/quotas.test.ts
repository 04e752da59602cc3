// gateway.quotas, one test each: every refusal is explicit (status, JSON-RPC −31006 or −32602, the
// quota's name and the key that raises it) and logged once per quota and address, not per request.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { networkInterfaces } from "node:os";
import { describe, test } from "node:test";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { runCorral } from "../helpers/corral-process.js";
import { McpHttpClient } from "../helpers/mcp-http.js";
import { initializeBody, type RawAnswer, rawRequest } from "../helpers/raw-http.js";
import { waitFor } from "../helpers/wait.js";

const QUOTA_EXCEEDED = -31006;

/** The answer is a refusal by `quota`, naming it and its key. */
function assertRefused(
  answer: RawAnswer | { json: RawAnswer["json"] },
  quota: string,
  code = QUOTA_EXCEEDED,
) {
  const error = answer.json?.error;
  assert.equal(error?.code, code, JSON.stringify(answer.json));
  assert.equal(error?.data?.quota, quota);
  assert.match(
    error?.message ?? "",
    new RegExp(`quota ${quota} reached: .*raise gateway\\.quotas\\.${quota}`),
  );
}

function countLines(text: string, pattern: RegExp): number {
  return text.split("\n").filter((line) => pattern.test(line)).length;
}

/** A request and its answer as a RawAnswer-like value, on an open session. */
async function call(client: McpHttpClient, method: string, params?: unknown) {
  const answer = await client.request(method, params);
  return { json: answer as RawAnswer["json"] };
}

describe("gateway.quotas", () => {
  test("sessions per address and in total: refused with 429 naming the quota; logged once", async () => {
    const { path } = writeFixtureConfig(
      { ok: { fixture: "healthy" } },
      { quotas: { sessions: 3, sessionsPerAddress: 2 } },
    );
    await using corral = await runCorral(["up", "--config", path]);
    const mcp = `${corral.url}/mcp`;
    const first = await rawRequest(mcp, initializeBody());
    assert.equal(first.status, 200);
    assert.equal((await rawRequest(mcp, initializeBody())).status, 200);
    for (let index = 0; index < 5; index += 1) {
      const refused = await rawRequest(mcp, initializeBody());
      assert.equal(refused.status, 429);
      assertRefused(refused, "sessionsPerAddress");
    }
    // Another client address still gets one; then the total is reached.
    const other = { localAddress: "127.0.0.2" };
    assert.equal((await rawRequest(mcp, initializeBody(), other)).status, 200);
    const full = await rawRequest(mcp, initializeBody(), other);
    assert.equal(full.status, 429);
    assertRefused(full, "sessions");
    // Ending a session makes room.
    const id = first.headers["mcp-session-id"] as string;
    const ended = await rawRequest(mcp, undefined, { method: "DELETE", headers: { "mcp-session-id": id } });
    assert.equal(ended.status, 200);
    assert.equal((await rawRequest(mcp, initializeBody())).status, 200);
    await waitFor(() => corral.stderr.includes("quota sessions reached"), { what: "the log line" });
    assert.equal(countLines(corral.stderr, /quota sessionsPerAddress reached/), 1, corral.stderr);
  });

  test("initialize data: a long clientInfo is refused with −32602; unused capabilities are not kept", async () => {
    const { path } = writeFixtureConfig(
      { ok: { fixture: "healthy" } },
      { quotas: { initializeData: "1Ki" } },
    );
    await using corral = await runCorral(["up", "--config", path]);
    const mcp = `${corral.url}/mcp`;
    const long = await rawRequest(
      mcp,
      initializeBody({ clientInfo: { name: "x".repeat(2048), version: "0" } }),
    );
    assertRefused(long, "initializeData", -32602);
    const big = await rawRequest(
      mcp,
      initializeBody({ capabilities: { experimental: { blob: "y".repeat(512 * 1024) }, sampling: {} } }),
    );
    assert.equal(big.status, 200);
    assert.equal(big.json?.error, undefined);
  });

  test("subscriptions: stored only once the server accepted; per-session count and URI length", async () => {
    const { path } = writeFixtureConfig(
      { f: { fixture: "floods-notifications" } },
      { quotas: { subscriptionsPerSession: 2, subscriptionUri: "256" } },
    );
    await using corral = await runCorral(["up", "--config", path]);
    // On /servers/f/mcp the server refuses x://no/ URIs: none of them takes one of the session's two places.
    const client = await McpHttpClient.connect(`${corral.url}/servers/f/mcp`);
    for (let index = 0; index < 4; index += 1) {
      const refused = await client.request("resources/subscribe", { uri: `x://no/${index}` });
      assert.equal(refused.error?.code, -32602, JSON.stringify(refused));
    }
    assert.equal((await client.request("resources/subscribe", { uri: "x://ok/a" })).error, undefined);
    assert.equal((await client.request("resources/subscribe", { uri: "x://ok/b" })).error, undefined);
    // Subscribing again to one it holds is no new subscription.
    assert.equal((await client.request("resources/subscribe", { uri: "x://ok/b" })).error, undefined);
    assertRefused(await call(client, "resources/subscribe", { uri: "x://ok/c" }), "subscriptionsPerSession");
    assert.equal((await client.request("resources/unsubscribe", { uri: "x://ok/a" })).error, undefined);
    assert.equal((await client.request("resources/subscribe", { uri: "x://ok/c" })).error, undefined);
    const long = await call(client, "resources/subscribe", { uri: `x://ok/${"l".repeat(300)}` });
    assertRefused(long, "subscriptionUri", -32602);

    // The same on /mcp, where URIs are routed by the server's template.
    const all = await McpHttpClient.connect(`${corral.url}/mcp`);
    assert.equal((await all.request("resources/subscribe", { uri: "x://ok/1" })).error, undefined);
    assert.equal((await all.request("resources/subscribe", { uri: "x://ok/2" })).error, undefined);
    assertRefused(await call(all, "resources/subscribe", { uri: "x://ok/3" }), "subscriptionsPerSession");
  });

  test("batch length: a 2025-03-26 batch and a legacy batch over the quota are refused whole", async () => {
    const { path } = writeFixtureConfig({ ok: { fixture: "healthy" } }, { quotas: { batchLength: 3 } });
    await using corral = await runCorral(["up", "--config", path]);
    const client = new McpHttpClient(`${corral.url}/mcp`);
    client.protocolVersion = "2025-03-26";
    await client.request("initialize", {
      protocolVersion: "2025-03-26",
      capabilities: {},
      clientInfo: { name: "t", version: "0" },
    });
    const pings = (count: number) =>
      Array.from({ length: count }, (_, index) => ({ jsonrpc: "2.0", id: index + 1, method: "ping" }));
    const ok = await client.post(pings(3));
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as unknown[]).length, 3);
    const long = await rawRequest(`${corral.url}/mcp`, pings(4), { headers: client.headers() });
    assert.equal(long.status, 400);
    assertRefused(long, "batchLength");

    const { LegacySseClient } = await import("../helpers/legacy-sse-client.js");
    const legacy = await LegacySseClient.open(`${corral.url}/sse`);
    try {
      await legacy.initialize();
      const refused = await legacy.post(pings(4));
      assert.equal(refused.status, 400);
      assert.match(refused.text, /quota batchLength reached/);
    } finally {
      legacy.close();
    }
  });

  test("in flight: per session and per server, refused at once rather than queued", async () => {
    const { path } = writeFixtureConfig(
      { slow: { fixture: "slow-tools" } },
      { quotas: { inFlightPerSession: 2, inFlightPerServer: 3 } },
    );
    await using corral = await runCorral(["up", "--config", path]);
    const mcp = `${corral.url}/mcp`;
    const [a, b] = await Promise.all([McpHttpClient.connect(mcp), McpHttpClient.connect(mcp)]);
    const sleep = { name: "slow__sleep", arguments: { ms: 3_000 } };
    const held = [a.request("tools/call", sleep), a.request("tools/call", sleep)];
    // The session's third request, a cheap one included, is refused at once.
    let startedAt = Date.now();
    const busy = await waitFor(
      async () => {
        const answer = await a.request("tools/list");
        return (answer.error?.data as { quota?: string } | undefined)?.quota === "inFlightPerSession"
          ? answer
          : undefined;
      },
      { what: "session a at its quota" },
    );
    assertRefused({ json: busy as RawAnswer["json"] }, "inFlightPerSession");
    assert.ok(Date.now() - startedAt < 2_000);
    // Another session may still call, until the server has three in flight.
    const third = b.request("tools/call", sleep);
    startedAt = Date.now();
    const refused = await waitFor(
      async () => {
        const answer = await b.request("tools/call", { name: "slow__echo", arguments: { text: "x" } });
        return (answer.error?.data as { quota?: string } | undefined)?.quota === "inFlightPerServer"
          ? answer
          : undefined;
      },
      { what: "server slow at its quota" },
    );
    assertRefused({ json: refused as RawAnswer["json"] }, "inFlightPerServer");
    assert.ok(Date.now() - startedAt < 2_000);
    for (const answer of await Promise.all([...held, third])) assert.equal(answer.error, undefined);
  });

  test("SSE streams per session: a POST whose answer would open one more stream is refused with 429", async () => {
    const { path } = writeFixtureConfig(
      { f: { fixture: "floods-notifications" } },
      { quotas: { sseStreamsPerSession: 1 } },
    );
    await using corral = await runCorral(["up", "--config", path]);
    const client = await McpHttpClient.connect(`${corral.url}/servers/f/mcp`);
    const stream = await client.openStream();
    try {
      // Progress of a request goes on the request's own stream: a second stream of the session.
      const flood = {
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "flood", arguments: { count: 3 }, _meta: { progressToken: "p" } },
      };
      const refused = await rawRequest(`${corral.url}/servers/f/mcp`, flood, { headers: client.headers() });
      assert.equal(refused.status, 429, refused.text);
      assertRefused(refused, "sseStreamsPerSession");
      assert.equal(refused.json?.id, 7);
    } finally {
      stream.close();
    }
    // With the GET stream closed there is room again.
    await waitFor(async () => {
      const answer = await client.request("tools/call", {
        name: "flood",
        arguments: { count: 3 },
        _meta: { progressToken: "q" },
      });
      return answer.error === undefined && answer.before.length === 3;
    });
  });

  test("connections: over the quota a request gets 429 and the connection closes; probes still answer", async () => {
    const { path } = writeFixtureConfig({ ok: { fixture: "healthy" } }, { quotas: { connections: 3 } });
    await using corral = await runCorral(["up", "--config", path]);
    const { hostname, port } = new URL(corral.url);
    const idle: Socket[] = [];
    try {
      for (let index = 0; index < 3; index += 1) {
        const socket = connect(Number(port), hostname);
        await new Promise((resolve) => socket.once("connect", resolve));
        idle.push(socket);
      }
      const refused = await rawRequest(`${corral.url}/mcp`, initializeBody());
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.connection, "close");
      const error = (refused.json as unknown as { error: { code: string; message: string } }).error;
      assert.equal(error.code, "QUOTA_EXCEEDED");
      assert.match(error.message, /quota connections reached: .*gateway\.quotas\.connections/);
      const probe = await rawRequest(`${corral.url}/healthz`, undefined, { method: "GET" });
      assert.equal(probe.status, 200);
    } finally {
      for (const socket of idle) socket.destroy();
    }
    await waitFor(async () => (await rawRequest(`${corral.url}/mcp`, initializeBody())).status === 200, {
      what: "room once the idle connections closed",
    });
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry !== undefined && entry.family === "IPv4" && !entry.internal)?.address;
  test("per-session slots: one non-loopback address holds at most its share of maxInstances", {
    skip: external === undefined ? "no non-loopback IPv4 address on this machine" : false,
  }, async () => {
    const host = external as string;
    const { path } = writeFixtureConfig(
      { own: { fixture: "healthy", extra: { mode: "per-session", maxInstances: 4 } } },
      { host, quotas: { instanceSharePerAddress: 0.5 } },
    );
    await using corral = await runCorral(["up", "--config", path]);
    const url = `${corral.url}/servers/own/mcp`;
    const first = await McpHttpClient.connect(url);
    await McpHttpClient.connect(url);
    const refused = await rawRequest(url, initializeBody());
    assert.equal(refused.status, 429);
    assertRefused(refused, "instanceSharePerAddress");
    assert.match(
      refused.json?.error?.message ?? "",
      /holds 2 of the 4 per-session instances of server "own"/,
    );
    assert.equal(await first.delete(), 200);
    await waitFor(async () => (await rawRequest(url, initializeBody())).status === 200, {
      what: "a slot for the address again",
    });
  });
});
