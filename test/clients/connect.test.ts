// `corral connect` as a stdio client sees it: JSON-RPC lines in and out of the real binary, backed by a
// running gateway; server→client requests answered on stdin, server-initiated messages, DELETE on
// stdin end, a gateway restart survived, and exit 0 when stdin ends.
import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { type ConnectRun, INITIALIZE_PARAMS, runConnect } from "../helpers/connect-process.js";
import { type CorralRun, getJson, runCorral } from "../helpers/corral-process.js";
import { textOf } from "../helpers/mcp-http.js";
import { writeNpmServersConfig } from "../helpers/npm-servers-config.js";
import { waitFor } from "../helpers/wait.js";

const toolNames = (answer: { result?: unknown }) =>
  (answer.result as { tools: { name: string }[] }).tools.map((tool) => tool.name);

describe("corral connect with the npm servers", () => {
  let corral: CorralRun;
  before(async () => {
    corral = await runCorral(["up", "--config", writeNpmServersConfig().path]);
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  test("connect everything: initialize, tools/list, echo, sampling answered on stdin; exit 0 on stdin end", async () => {
    await using bridge = runConnect(["everything", "--url", corral.url]);
    const init = await bridge.request(1, "initialize", INITIALIZE_PARAMS);
    assert.equal((init.result as { protocolVersion?: string }).protocolVersion, "2025-06-18");
    assert.match((init.result as { serverInfo: { name: string } }).serverInfo.name, /everything/);
    bridge.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    const names = toolNames(await bridge.request(2, "tools/list"));
    assert.ok(names.includes("echo") && !names.some((name) => name.includes("__")), names.join(", "));
    const echo = await bridge.request(3, "tools/call", { name: "echo", arguments: { message: "hi" } });
    assert.equal(textOf(echo), "Echo: hi");

    bridge.send({
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "trigger-sampling-request", arguments: { prompt: "p", maxTokens: 3 } },
    });
    const sampling = await bridge.waitForMessage((message) => message.method === "sampling/createMessage");
    bridge.send({
      jsonrpc: "2.0",
      id: sampling.id,
      result: { role: "assistant", model: "m", content: { type: "text", text: "from stdin" } },
    });
    const sampled = await bridge.waitForMessage(
      (message) => message.id === 4 && message.method === undefined,
    );
    assert.match(textOf(sampled) ?? "", /from stdin/);

    bridge.sendRaw("this is not json");
    const parseError = await bridge.waitForMessage((message) => message.error?.code === -32700);
    assert.equal(parseError.id, null);

    bridge.end();
    assert.deepEqual(await bridge.exited, { code: 0, signal: null });
    assert.deepEqual(bridge.strayLines, [], "stdout carries only JSON-RPC lines");
    assert.match(bridge.stderr, /bridging stdio to http:\/\/127\.0\.0\.1:\d+\/servers\/everything\/mcp/);
  });

  test("connect --all: prefixed names from every server; CORRAL_URL names the gateway", async () => {
    await using bridge = runConnect(["--all"], { CORRAL_URL: corral.url });
    await bridge.request(1, "initialize", INITIALIZE_PARAMS);
    bridge.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    const names = toolNames(await bridge.request(2, "tools/list"));
    for (const name of ["everything__echo", "memory__create_entities", "memory__open_nodes"])
      assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
    const echo = await bridge.request(3, "tools/call", {
      name: "everything__echo",
      arguments: { message: "x" },
    });
    assert.equal(textOf(echo), "Echo: x");
    const entity = { name: "connect-all", entityType: "test", observations: ["via stdio"] };
    const created = await bridge.request(4, "tools/call", {
      name: "memory__create_entities",
      arguments: { entities: [entity] },
    });
    assert.equal(created.error, undefined);
    const found = await bridge.request(5, "tools/call", {
      name: "memory__open_nodes",
      arguments: { names: ["connect-all"] },
    });
    assert.deepEqual(
      (found.result as { structuredContent: { entities: unknown[] } }).structuredContent.entities,
      [entity],
    );
    bridge.end();
    assert.deepEqual(await bridge.exited, { code: 0, signal: null });
    assert.deepEqual(bridge.strayLines, []);
  });
});

describe("corral connect with fixture servers", () => {
  const stop = { stdinGrace: "300ms", termGrace: "300ms" };
  const config = writeFixtureConfig({
    alpha: { fixture: "healthy" },
    grows: { fixture: "adds-tool-later" },
    own: { fixture: "healthy", extra: { mode: "per-session", stop } },
  });
  let corral: CorralRun;
  before(async () => {
    corral = await runCorral(["up", "--config", config.path]);
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  test("server-initiated messages arrive through the GET stream", async () => {
    await using bridge = runConnect(["grows", "--url", corral.url]);
    await bridge.request(1, "initialize", INITIALIZE_PARAMS);
    bridge.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    const added = await bridge.request(2, "tools/call", { name: "add_tool", arguments: { name: "later" } });
    assert.equal(textOf(added), "added later");
    await bridge.waitForMessage((message) => message.method === "notifications/tools/list_changed");
    assert.ok(toolNames(await bridge.request(3, "tools/list")).includes("later"));
    bridge.end();
    assert.equal((await bridge.exited).code, 0);
  });

  for (const ending of ["stdin end", "SIGTERM"] as const) {
    test(`${ending} deletes the gateway session: a per-session instance stops; exit 0`, async () => {
      const instancesOfOwn = async () =>
        (await getJson<{ servers: ServerView[] }>(`${corral.url}/api/v1/mcp/servers`)).servers.find(
          (server) => server.name === "own",
        )?.instances ?? [];
      await using bridge = runConnect(["own", "--url", corral.url]);
      await bridge.request(1, "initialize", INITIALIZE_PARAMS);
      const pid = await bridge.request(2, "tools/call", { name: "pid", arguments: {} });
      assert.match(textOf(pid) ?? "", /^\d+$/);
      assert.equal((await instancesOfOwn()).length, 1);
      if (ending === "stdin end") bridge.end();
      else bridge.child.kill("SIGTERM");
      assert.deepEqual(await bridge.exited, { code: 0, signal: null });
      await waitFor(async () => (await instancesOfOwn()).length === 0, {
        timeoutMs: 3_000,
        what: "the per-session instance to stop after DELETE",
      });
    });
  }

  test("an unknown server or an unreachable gateway is exit 1 at once with the reason; usage errors exit 2", async () => {
    // stdin stays open: the exit must come by itself, and soon.
    const exitCode = (run: ConnectRun) =>
      waitFor(() => run.child.exitCode ?? undefined, { timeoutMs: 10_000, what: "corral connect to exit" });
    await using unknown = runConnect(["nosuch", "--url", corral.url]);
    assert.equal(await exitCode(unknown), 1);
    await waitFor(() => unknown.stderr.endsWith("\n"), { what: "the whole stderr line" });
    assert.equal(unknown.stderr, 'corral connect: no server named "nosuch"; see corral ps\n');
    assert.deepEqual([unknown.messages, unknown.strayLines], [[], []], "nothing on stdout");

    // A port nobody listens on: taken from the system, then released.
    const probe = createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    for (const args of [["alpha"], ["--all"]]) {
      await using down = runConnect([...args, "--url", `http://127.0.0.1:${port}`]);
      assert.equal(await exitCode(down), 1, args.join(" "));
      await waitFor(() => down.stderr.endsWith("\n"), { what: "the whole stderr line" });
      assert.match(
        down.stderr,
        new RegExp(
          `^corral connect: no gateway answered at http://127\\.0\\.0\\.1:${port} .*start one with corral up, or pass --url\\n$`,
        ),
      );
    }

    await using usage = runConnect(["alpha", "--all"]);
    assert.equal((await usage.exited).code, 2);
    assert.match(usage.stderr, /usage: corral connect <server> \| --all/);
  });

  test("a gateway that is down answers with an error; after a restart the session is replayed", async () => {
    const port = new URL(corral.url).port;
    await using bridge = runConnect(["alpha", "--url", corral.url]);
    await bridge.request(1, "initialize", INITIALIZE_PARAMS);
    bridge.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    const before = await bridge.request(2, "tools/call", { name: "echo", arguments: { text: "before" } });
    assert.equal(textOf(before), "before");

    assert.equal((await corral.stop()).code, 0);
    await corral[Symbol.asyncDispose]();
    const down = await bridge.request(3, "tools/call", { name: "echo", arguments: { text: "down" } });
    assert.match(down.error?.message ?? "", /no corral gateway answered/);

    corral = await runCorral(["up", "--config", config.path, "--port", port]);
    const after = await bridge.request(4, "tools/call", { name: "echo", arguments: { text: "after" } });
    assert.equal(textOf(after), "after", JSON.stringify(after));
    assert.match(bridge.stderr, /initializing again/);
    // The replayed initialize is the bridge's own business: the client saw one answer per request.
    assert.deepEqual(
      bridge.messages.map((message) => message.id),
      [1, 2, 3, 4],
    );
    bridge.end();
    assert.equal((await bridge.exited).code, 0);
  });
});
