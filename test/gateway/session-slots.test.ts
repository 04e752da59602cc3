// Per-session slots: a slot is free the moment its session ends (not after its instance's stop
// ladder), a client that closes without DELETE gives its slot up to the next client, and an
// operator's stop releases every instance and its session mapping. The clients are the MCP SDK's.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { ServerView, StatusView } from "../../src/api/index.js";
import { isProcessAlive } from "../../src/platform/index.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { type CorralRun, getJson, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";

/** REST writes need a JSON content type (docs/security.md). */
const JSON_BODY = { "content-type": "application/json" };
const PER_SESSION = { mode: "per-session", maxInstances: 2 };

interface OpenClient {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
  /** Resolves once the gateway answered the GET stream the SDK opens by itself after initialize. */
  readonly streamOpen: Promise<void>;
}

async function openClient(url: string): Promise<OpenClient> {
  const client = new Client({ name: "slot-test", version: "1.0.0" });
  let opened = () => {};
  const streamOpen = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === "GET" && response.ok) opened();
      return response;
    },
  });
  await client.connect(transport);
  return { client, transport, streamOpen };
}

async function callEcho(client: Client, text: string): Promise<string> {
  const result = await client.callTool({ name: "echo", arguments: { text } });
  return (result.content as { text?: string }[]).map((part) => part.text ?? "").join("");
}

const servers = async (url: string) =>
  (await getJson<{ servers: ServerView[] }>(`${url}/api/v1/mcp/servers`)).servers;
const status = (url: string) => getJson<StatusView>(`${url}/api/v1/mcp/status`);

/** Two client loops, `cycles` open → call → close in all, against each server; fails on any refusal. */
async function churn(
  corral: CorralRun,
  names: readonly string[],
  cycles: number,
  close: (opened: OpenClient) => Promise<void>,
): Promise<Set<number>> {
  const pids = new Set<number>();
  const loop = async (name: string, loopIndex: number) => {
    for (let cycle = 0; cycle < cycles / 2; cycle++) {
      const opened = await openClient(`${corral.url}/servers/${name}/mcp`);
      const { client } = opened;
      const text = `${name} loop ${loopIndex} cycle ${cycle}`;
      assert.equal(await callEcho(client, text), text);
      for (const server of await servers(corral.url))
        for (const instance of server.instances) if (instance.pid !== null) pids.add(instance.pid);
      await close(opened);
    }
  };
  await Promise.all(names.flatMap((name) => [loop(name, 0), loop(name, 1)]));
  return pids;
}

async function assertAllReaped(corral: CorralRun, pids: Set<number>): Promise<void> {
  await waitFor(async () => (await servers(corral.url)).every((server) => server.instances.length === 0), {
    what: "every per-session instance reaped",
    timeoutMs: 15_000,
  });
  const after = await status(corral.url);
  assert.equal(after.processes, 0);
  assert.deepEqual(
    [...pids].filter((pid) => isProcessAlive(pid)),
    [],
    "no instance process left",
  );
}

describe("per-session slots", () => {
  test("20 open → call → close cycles with maxInstances 2, ended with DELETE: never refused, all reaped", async () => {
    // ignores-stdin-eof keeps each released instance in its stop ladder for stdinGrace (2 s).
    const { path } = writeFixtureConfig({
      quick: { fixture: "healthy", extra: PER_SESSION },
      slow: { fixture: "ignores-stdin-eof", extra: PER_SESSION },
    });
    await using corral = await runCorral(["up", "--config", path]);
    const pids = await churn(corral, ["quick", "slow"], 20, async ({ client, transport }) => {
      // What a client that is done with a session does: DELETE (the spec's SHOULD), then close.
      await transport.terminateSession();
      await client.close();
    });
    assert.ok(pids.size >= 40, `a fresh instance per session (${pids.size} pids seen)`);
    assert.equal((await status(corral.url)).sessions, 0);
    await assertAllReaped(corral, pids);
  });

  test("SDK clients that close() without DELETE give their slot to the next client", async () => {
    const { path } = writeFixtureConfig({
      quick: { fixture: "healthy", extra: PER_SESSION },
      slow: { fixture: "ignores-stdin-eof", extra: { ...PER_SESSION, idleTimeout: "1s" } },
    });
    await using corral = await runCorral(["up", "--config", path]);
    // Client.close() of the SDK v1 only aborts its GET stream: no DELETE reaches the gateway. A
    // client closed before that stream even reached the gateway looks like a live client without
    // one, whose slot is not taken (docs/gateway.md); real clients live longer than that.
    const pids = await churn(corral, ["quick", "slow"], 20, async ({ client, streamOpen }) => {
      await streamOpen;
      await client.close();
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\ngateway log:\n${corral.stderr}`);
    });
    // Sessions whose slot went to a newer client were ended; the last ones wait for idleTimeout.
    assert.ok((await status(corral.url)).sessions <= 4);
    const slow = await waitFor(
      async () =>
        (await servers(corral.url)).find((server) => server.name === "slow" && server.instances.length === 0),
      { what: "the slow server's idle instances reaped", timeoutMs: 10_000 },
    );
    assert.equal(slow.desiredInstances, 0);
    assert.ok(pids.size >= 40);
  });

  test("after an operator's stop of a per-session server, a new client is accepted once it is started", async () => {
    const { path } = writeFixtureConfig({ own: { fixture: "ignores-stdin-eof", extra: PER_SESSION } });
    await using corral = await runCorral(["up", "--config", path]);
    const api = `${corral.url}/api/v1/mcp/servers/own`;
    const first = await openClient(`${corral.url}/servers/own/mcp`);
    const second = await openClient(`${corral.url}/servers/own/mcp`);
    assert.equal(await callEcho(second.client, "two"), "two");
    const [before] = await servers(corral.url);
    const pids = new Set(before?.instances.flatMap((instance) => instance.pid ?? []));
    assert.equal(pids.size, 2);

    const stopped = await fetch(`${api}/stop`, { method: "POST", headers: JSON_BODY, body: "{}" });
    assert.equal(stopped.status, 202);
    const [held] = await servers(corral.url);
    assert.equal(held?.held, true);
    assert.equal(held?.instances.length, 0, "its instances are released and gone");
    assert.deepEqual(
      [...pids].filter((pid) => isProcessAlive(pid)),
      [],
    );
    // While held, a session of its own and a new client are both told it was stopped, and how to start it.
    await assert.rejects(callEcho(first.client, "held"), /stopped by an operator.*corral start own/);
    await assert.rejects(openClient(`${corral.url}/servers/own/mcp`), /stopped by an operator/);

    const started = await fetch(`${api}/start`, { method: "POST", headers: JSON_BODY, body: "{}" });
    assert.equal(started.status, 202);
    assert.equal((await servers(corral.url))[0]?.held, false);
    // The old sessions get fresh instances on their next request, within maxInstances; a third
    // client would be refused until one of them ends.
    assert.equal(await callEcho(first.client, "again"), "again");
    const third = await openClient(`${corral.url}/servers/own/mcp`);
    assert.equal(await callEcho(third.client, "three"), "three");
    for (const { client, transport } of [first, second, third]) {
      await transport.terminateSession().catch(() => {});
      await client.close();
    }
    await waitFor(async () => (await status(corral.url)).sessions === 0, { what: "sessions ended" });
  });
});
