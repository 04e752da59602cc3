// Issue 12 acceptance: anonymous clients cannot grow the gateway's memory. 1,000 oversized
// initializes and 10,000 subscriptions leave its RSS (high-water mark included) under 150 MiB with
// every refusal explicit; a client that stops reading its SSE stream while a server floods it gets
// its stream ended, with the reason logged, and the gateway's memory stays bounded.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { describe, test } from "node:test";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { runCorral } from "../helpers/corral-process.js";
import { McpHttpClient } from "../helpers/mcp-http.js";
import { initializeBody, rawRequest } from "../helpers/raw-http.js";
import { waitFor } from "../helpers/wait.js";

const LIMIT_KIB = 150 * 1024;

/** VmRSS and VmHWM (peak) of a process, in KiB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/** Runs `task` for 0…count-1, `width` at a time. */
async function inParallel(
  count: number,
  width: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

describe("memory under quotas", () => {
  test("1,000 oversized initializes and 10,000 subscriptions: RSS under 150 MiB, every refusal explicit", async () => {
    const { path } = writeFixtureConfig({ f: { fixture: "floods-notifications" } });
    await using corral = await runCorral(["up", "--config", path]);
    const mcp = `${corral.url}/mcp`;
    const padding = "p".repeat(1024 * 1024);
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    // Half carry 1 MiB in clientInfo (kept whole, so refused), half in capabilities (never kept).
    await inParallel(1_000, 8, async (index) => {
      const body =
        index % 2 === 0
          ? initializeBody({ clientInfo: { name: "big", version: "0", padding } })
          : initializeBody({ capabilities: { experimental: { padding } } });
      const answer = await rawRequest(mcp, body);
      const error = answer.json?.error;
      if (error === undefined) {
        assert.equal(answer.status, 200);
        count("session");
        return;
      }
      assert.match(error.message, /^quota \w+ reached: .*raise gateway\.quotas\.\w+/, error.message);
      count(String(error.data?.quota));
    });
    // One address gets sessionsPerAddress (100) sessions; every other initialize was refused, saying why.
    assert.equal(outcomes.get("session"), 100, JSON.stringify([...outcomes]));
    assert.equal(outcomes.get("initializeData"), 500);
    assert.equal(outcomes.get("sessionsPerAddress"), 400);
    // Session ids to subscribe with: the gateway keeps them, this test holds only their ids.
    const clients: McpHttpClient[] = [];
    for (let index = 0; index < 10; index += 1) {
      const client = new McpHttpClient(mcp);
      const answer = await rawRequest(mcp, initializeBody(), { localAddress: "127.0.0.2" });
      client.sessionId = answer.headers["mcp-session-id"] as string;
      clients.push(client);
    }
    // 10,000 subscriptions, two thirds of them with 16 KiB URIs (half of which no server lists).
    const subscribed = new Map<string, number>();
    await inParallel(10_000, 16, async (index) => {
      const client = clients[index % clients.length] as McpHttpClient;
      const kind = index % 3 === 0 ? "no" : "ok";
      const uri = index % 3 === 2 ? `x://ok/${index}` : `x://${kind}/${index}-${"u".repeat(16 * 1024)}`;
      const answer = await client.request("resources/subscribe", { uri });
      const quota = (answer.error?.data as { quota?: string } | undefined)?.quota;
      const key = answer.error === undefined ? "subscribed" : (quota ?? `server ${answer.error.code}`);
      subscribed.set(key, (subscribed.get(key) ?? 0) + 1);
    });
    // Short URIs fill each session's 100 places; every long one is refused by its quota before the
    // catalog looks at it, whether a server lists it or not.
    assert.deepEqual(Object.fromEntries(subscribed), {
      subscribed: 1_000,
      subscriptionsPerSession: 3_333 - 1_000,
      subscriptionUri: 6_667,
    });
    const memory = memoryOf(corral.pid);
    assert.ok(memory.rss < LIMIT_KIB, `VmRSS ${memory.rss} KiB`);
    assert.ok(memory.peak < LIMIT_KIB, `VmHWM ${memory.peak} KiB`);
    // Refusals are logged once per quota and address, not once per request.
    const logged = corral.stderr.split("\n").filter((line) => line.includes(" reached: "));
    assert.ok(logged.length <= 6, logged.join("\n"));
  });

  test("a client that stops reading its SSE stream: the stream is ended with a logged reason, memory bounded", async () => {
    const { path } = writeFixtureConfig({ f: { fixture: "floods-notifications" } });
    await using corral = await runCorral(["up", "--config", path]);
    const url = `${corral.url}/servers/f/mcp`;
    const reader = await McpHttpClient.connect(url);
    const stalled = await McpHttpClient.connect(url);
    assert.equal((await stalled.request("resources/subscribe", { uri: "x://ok/flood" })).error, undefined);
    // The stalled client opens its GET stream and never reads a byte of it.
    const { hostname, port } = new URL(corral.url);
    let ended = false;
    let stream: import("node:http").IncomingMessage | undefined;
    const get = httpRequest({
      host: hostname,
      port: Number(port),
      path: "/servers/f/mcp",
      method: "GET",
      agent: false,
      headers: { ...stalled.headers(), accept: "text/event-stream" },
    });
    const opened = new Promise<void>((resolve, reject) => {
      get.on("response", (response) => {
        response.pause();
        stream = response;
        response.on("close", () => {
          ended = true;
        });
        resolve();
      });
      get.on("error", () => {
        ended = true;
        reject(new Error("GET failed"));
      });
    });
    get.end();
    await opened;
    try {
      // 200,000 notifications of 1 KiB: 200 MiB the gateway must not hold for the stalled client.
      const flood = await reader.request("tools/call", {
        name: "flood",
        arguments: { count: 200_000, bytes: 1024 },
      });
      assert.equal(flood.error, undefined, JSON.stringify(flood.error));
      await waitFor(() => /client stopped reading with \d+ bytes queued/.test(corral.stderr), {
        what: "the logged reason",
        timeoutMs: 30_000,
      });
      const memory = memoryOf(corral.pid);
      assert.ok(memory.peak < LIMIT_KIB, `VmHWM ${memory.peak} KiB`);
      // The stream is ended: once the client reads again, it sees the end.
      stream?.resume();
      await waitFor(() => ended, { what: "the stalled stream ended", timeoutMs: 10_000 });
    } finally {
      get.destroy();
    }
  });
});
