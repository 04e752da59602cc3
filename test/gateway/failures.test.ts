// Failure semantics: an upstream SIGKILLed with 200 calls in flight, calls to a server in backoff,
// request timeouts and client disconnects (both cancel upstream).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { listDescendants } from "../../src/platform/index.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { getJson, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient } from "../helpers/mcp-http.js";
import { waitFor } from "../helpers/wait.js";

function logLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

describe("failure semantics", () => {
  test("SIGKILL of the upstream with 200 calls in flight: every client gets an error within 1 s; the server comes back", async () => {
    const { path, dir } = writeFixtureConfig({
      slow: {
        fixture: "slow-tools",
        args: (folder) => [join(folder, "calls.log")],
        extra: { restart: { initialDelay: "100ms" } },
      },
    });
    const log = join(dir, "calls.log");
    await using corral = await runCorral(["up", "--config", path]);
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => McpHttpClient.connect(`${corral.url}/servers/slow/mcp`)),
    );
    const calls = Array.from({ length: 200 }, (_, index) =>
      (clients[index % clients.length] as McpHttpClient).request("tools/call", {
        name: "sleep",
        arguments: { ms: 60_000 },
      }),
    );
    await waitFor(() => logLines(log).length >= 200, { what: "200 calls in flight", timeoutMs: 20_000 });
    const before = await getJson<{ servers: ServerView[] }>(`${corral.url}/api/v1/mcp/servers`);
    const anchor = before.servers[0]?.instances[0]?.pid as number;
    const server = listDescendants(anchor).find((stat) => stat.comm === "node");
    assert.ok(server, "the server process");
    const killedAt = Date.now();
    process.kill(server.pid, "SIGKILL");
    const answers = await Promise.all(
      calls.map((call) => call.then((answer) => ({ answer, at: Date.now() }))),
    );
    const slowest = Math.max(...answers.map(({ at }) => at - killedAt));
    assert.ok(slowest < 1_000, `the last error arrived after ${slowest}ms`);
    for (const { answer } of answers) {
      assert.equal(answer.error?.code, -31002);
      assert.match(answer.error?.message ?? "", /^server "slow" signal SIGKILL/);
    }
    await waitFor(
      async () => {
        const now = await getJson<{ servers: ServerView[] }>(`${corral.url}/api/v1/mcp/servers`);
        return now.servers[0]?.state === "ready" && now.servers[0]?.instances[0]?.pid !== anchor;
      },
      { what: "the server back by itself", timeoutMs: 10_000 },
    );
    const after = await (clients[0] as McpHttpClient).request("tools/call", {
      name: "sleep",
      arguments: { ms: 1, text: "back" },
    });
    assert.equal((after.result as { content: { text: string }[] }).content[0]?.text, "back");
  });

  test("a server in backoff answers at once with its state and retry time", async () => {
    const { path } = writeFixtureConfig({
      once: {
        fixture: "exit-after-n-calls",
        args: ["1"],
        extra: { restart: { initialDelay: "10s", maxDelay: "10s" } },
      },
    });
    await using corral = await runCorral(["up", "--config", path]);
    const client = await McpHttpClient.connect(`${corral.url}/mcp`);
    await client.request("tools/call", { name: "once__echo", arguments: { text: "last" } });
    await waitFor(
      async () =>
        (await getJson<{ servers: ServerView[] }>(`${corral.url}/api/v1/mcp/servers`)).servers[0]?.state ===
        "backoff",
      { what: "backoff" },
    );
    const startedAt = Date.now();
    const answer = await client.request("tools/call", { name: "once__echo", arguments: { text: "again" } });
    const took = Date.now() - startedAt;
    assert.ok(took < 100, `answered in ${took}ms`);
    assert.equal(answer.error?.code, -31001);
    assert.match(
      answer.error?.message ?? "",
      /^server "once" is backoff: exit code 3.*; next try in [\d.]+m?s$/,
    );
    const data = answer.error?.data as { state?: string; retryAt?: string } | undefined;
    assert.equal(data?.state, "backoff");
    assert.ok(Date.parse(data?.retryAt ?? "") > Date.now());
  });

  test("a request past requestTimeout gets an error, and the upstream gets notifications/cancelled", async () => {
    const { path, dir } = writeFixtureConfig({
      slow: {
        fixture: "slow-tools",
        args: (folder) => [join(folder, "calls.log")],
        extra: { requestTimeout: "300ms" },
      },
    });
    const log = join(dir, "calls.log");
    await using corral = await runCorral(["up", "--config", path]);
    const client = await McpHttpClient.connect(`${corral.url}/servers/slow/mcp`);
    const startedAt = Date.now();
    const answer = await client.request("tools/call", { name: "sleep", arguments: { ms: 10_000 } });
    const took = Date.now() - startedAt;
    assert.equal(answer.error?.code, -31003);
    assert.match(answer.error?.message ?? "", /server "slow" did not answer tools\/call within 300ms/);
    assert.ok(took >= 290 && took < 1_000, `timed out after ${took}ms`);
    const started = logLines(log)
      .find((line) => line.startsWith("started "))
      ?.slice("started ".length);
    await waitFor(() => logLines(log).includes(`cancelled ${started}`), {
      what: "the upstream to see the cancellation",
    });
  });

  test("a client that disconnects cancels its upstream request", async () => {
    const { path, dir } = writeFixtureConfig({
      slow: { fixture: "slow-tools", args: (folder) => [join(folder, "calls.log")] },
    });
    const log = join(dir, "calls.log");
    await using corral = await runCorral(["up", "--config", path]);
    const client = await McpHttpClient.connect(`${corral.url}/servers/slow/mcp`);
    const aborter = new AbortController();
    const call = client
      .request("tools/call", { name: "sleep", arguments: { ms: 30_000 } }, { signal: aborter.signal })
      .catch((error: Error) => error);
    await waitFor(() => logLines(log).some((line) => line.startsWith("started ")), {
      what: "the call in flight",
    });
    aborter.abort();
    assert.ok((await call) instanceof Error);
    const started = logLines(log)
      .find((line) => line.startsWith("started "))
      ?.slice("started ".length);
    await waitFor(() => logLines(log).includes(`cancelled ${started}`), {
      what: "the upstream to see the cancellation",
    });
  });
});

describe("cancellation from the server", () => {
  test("a server→client request the server withdraws reaches the client as notifications/cancelled under the client's id", async () => {
    const { path } = writeFixtureConfig({ slow: { fixture: "slow-tools" } });
    await using corral = await runCorral(["up", "--config", path]);
    const client = await McpHttpClient.connect(`${corral.url}/servers/slow/mcp`, { sampling: {} });
    const answer = await client.request("tools/call", { name: "withdraw", arguments: {} });
    assert.equal((answer.result as { content: { text: string }[] }).content[0]?.text, "withdrawn");
    const asked = answer.before.find((message) => message.method === "sampling/createMessage");
    assert.ok(asked?.id !== undefined, "the sampling request reached the client");
    assert.notEqual(asked.id, "withdrawn-1", "the client sees a gateway id, not the server's");
    const cancelled = answer.before.find((message) => message.method === "notifications/cancelled");
    assert.deepEqual((cancelled?.params as { requestId?: unknown } | undefined)?.requestId, asked.id);
  });
});
