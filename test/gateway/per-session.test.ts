// Per-session mode: one process per client session, ended on DELETE within the stop ladder, idle
// instances reaped, maxInstances enforced.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { isProcessAlive } from "../../src/platform/index.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { getJson, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient, textOf } from "../helpers/mcp-http.js";
import { waitFor } from "../helpers/wait.js";

const servers = async (url: string) =>
  (await getJson<{ servers: ServerView[] }>(`${url}/api/v1/mcp/servers`)).servers;

describe("per-session instances", () => {
  test("10 sessions → 10 processes; DELETE ends that session's process within the stop ladder", async () => {
    const stop = { stdinGrace: "300ms", termGrace: "300ms" };
    const { path } = writeFixtureConfig({
      own: { fixture: "healthy", extra: { mode: "per-session", maxInstances: 10, stop } },
    });
    await using corral = await runCorral(["up", "--config", path]);
    const clients = await Promise.all(
      Array.from({ length: 10 }, () => McpHttpClient.connect(`${corral.url}/servers/own/mcp`)),
    );
    const pids = await Promise.all(
      clients.map(async (client) =>
        textOf(await client.request("tools/call", { name: "pid", arguments: {} })),
      ),
    );
    assert.equal(pids.length, 10);
    const [server] = await servers(corral.url);
    assert.equal(server?.instances.length, 10);
    const anchors = server?.instances.map((instance) => instance.pid) ?? [];
    assert.equal(new Set(anchors).size, 10, "10 distinct processes");

    // An 11th session is refused at initialize, with a clear reason.
    await assert.rejects(
      McpHttpClient.connect(`${corral.url}/servers/own/mcp`),
      /already runs maxInstances \(10\) per-session instances/,
    );

    const first = clients[0] as McpHttpClient;
    const before = await servers(corral.url);
    const firstInstances = new Set(before[0]?.instances.map((instance) => instance.pid));
    const startedAt = Date.now();
    assert.equal(await first.delete(), 200);
    const remaining = await waitFor(
      async () => {
        const now = await servers(corral.url);
        return now[0]?.instances.length === 9 ? now[0].instances : undefined;
      },
      { what: "9 instances left", timeoutMs: 2_000 },
    );
    const gone = [...firstInstances].filter(
      (pid) => pid !== null && !remaining.some((instance) => instance.pid === pid),
    );
    assert.equal(gone.length, 1);
    await waitFor(() => !isProcessAlive(gone[0] as number), { what: "the process gone", timeoutMs: 1_000 });
    assert.ok(Date.now() - startedAt < 600 + 400, `gone after ${Date.now() - startedAt}ms`);
    // The others still serve.
    assert.equal(
      textOf(
        await (clients[1] as McpHttpClient).request("tools/call", {
          name: "echo",
          arguments: { text: "still" },
        }),
      ),
      "still",
    );
  });

  test("an idle per-session instance is reaped, and a new one starts on the next request", async () => {
    const { path } = writeFixtureConfig({
      own: { fixture: "healthy", extra: { mode: "per-session", idleTimeout: "300ms" } },
    });
    await using corral = await runCorral(["up", "--config", path]);
    const client = await McpHttpClient.connect(`${corral.url}/servers/own/mcp`);
    const firstPid = textOf(await client.request("tools/call", { name: "pid", arguments: {} }));
    const anchor = (await servers(corral.url))[0]?.instances[0]?.pid as number;
    await waitFor(async () => (await servers(corral.url))[0]?.instances.length === 0, {
      what: "the idle instance reaped",
    });
    assert.equal(isProcessAlive(anchor), false);
    assert.equal(
      textOf(await client.request("tools/call", { name: "echo", arguments: { text: "again" } })),
      "again",
    );
    assert.equal((await servers(corral.url))[0]?.instances.length, 1);
    assert.ok(firstPid !== undefined);
  });
});
