// Remote upstreams: a server reached over Streamable HTTP or legacy SSE (here: another corral
// gateway), health checked, and reconnected with the same backoff as processes when it goes away.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { getJson, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient, textOf } from "../helpers/mcp-http.js";
import { waitFor } from "../helpers/wait.js";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const stateOf = async (url: string, name: string) =>
  (await getJson<{ servers: ServerView[] }>(`${url}/api/v1/mcp/servers`)).servers.find(
    (server) => server.name === name,
  );

describe("remote upstreams", () => {
  test("http and sse remotes are served, and reconnected after the remote comes back", async () => {
    const port = await freePort();
    const upstream = writeFixtureConfig({ ok: { fixture: "healthy" } }, { port });
    let remote = await runCorral(["up", "--config", upstream.path]);
    const fast = {
      health: { interval: "200ms", timeout: "200ms", failureThreshold: 1 },
      restart: { initialDelay: "100ms", maxDelay: "400ms", maxFailures: 100 },
    };
    const { path } = writeFixtureConfig({});
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      path,
      JSON.stringify({
        gateway: { port: 0 },
        servers: {
          viahttp: { transport: "http", url: `http://127.0.0.1:${port}/servers/ok/mcp`, ...fast },
          viasse: { transport: "sse", url: `http://127.0.0.1:${port}/servers/ok/sse`, ...fast },
        },
      }),
    );
    try {
      await using corral = await runCorral(["up", "--config", path]);
      assert.equal((await stateOf(corral.url, "viahttp"))?.state, "ready");
      assert.equal((await stateOf(corral.url, "viasse"))?.state, "ready");
      const client = await McpHttpClient.connect(`${corral.url}/mcp`);
      const names = ((await client.request("tools/list")).result as { tools: { name: string }[] }).tools.map(
        (tool) => tool.name,
      );
      assert.deepEqual(names, ["viahttp__echo", "viahttp__pid", "viasse__echo", "viasse__pid"]);
      assert.equal(
        textOf(
          await client.request("tools/call", { name: "viahttp__echo", arguments: { text: "over http" } }),
        ),
        "over http",
      );
      assert.equal(
        textOf(await client.request("tools/call", { name: "viasse__echo", arguments: { text: "over sse" } })),
        "over sse",
      );

      remote.child.kill("SIGKILL");
      await remote.exited;
      await remote[Symbol.asyncDispose]();
      await waitFor(async () => (await stateOf(corral.url, "viahttp"))?.state === "backoff", {
        what: "http remote in backoff",
      });
      const down = await client.request("tools/call", { name: "viahttp__echo", arguments: { text: "x" } });
      assert.equal(down.error?.code, -31001);

      remote = await runCorral(["up", "--config", upstream.path]);
      await waitFor(async () => (await stateOf(corral.url, "viahttp"))?.state === "ready", {
        what: "http remote reconnected",
        timeoutMs: 15_000,
      });
      await waitFor(async () => (await stateOf(corral.url, "viasse"))?.state === "ready", {
        what: "sse remote reconnected",
        timeoutMs: 15_000,
      });
      assert.equal(
        textOf(await client.request("tools/call", { name: "viahttp__echo", arguments: { text: "back" } })),
        "back",
      );
      assert.equal(
        textOf(await client.request("tools/call", { name: "viasse__echo", arguments: { text: "back too" } })),
        "back too",
      );
    } finally {
      await remote[Symbol.asyncDispose]();
    }
  });
});
