// Sessions do not mix (docs/security.md): a shared server's request to a client and its log lines
// reach only the session they can be attributed to; a per-session server's catalog and initialize
// come from the session's own instance, which starts on first use. Two real SDK clients each time.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { ServerView } from "../../src/api/index.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { getJson, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";

interface SdkSession extends AsyncDisposable {
  readonly client: Client;
  /** How many sampling requests reached this client. */
  readonly asked: () => number;
  /** Log lines (their data) this client received. */
  readonly logs: string[];
}

async function connectSdk(url: string, label: string): Promise<SdkSession> {
  const client = new Client(
    { name: `corral-test-${label}`, version: "1.0.0" },
    { capabilities: { sampling: {} } },
  );
  let asked = 0;
  const logs: string[] = [];
  client.setRequestHandler(CreateMessageRequestSchema, async () => {
    asked += 1;
    return { role: "assistant", model: "test", content: { type: "text", text: `from ${label}` } };
  });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    logs.push(String(notification.params.data));
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, asked: () => asked, logs, [Symbol.asyncDispose]: () => client.close() };
}

function textOf(result: unknown): string {
  return String((result as { content: { text?: string }[] }).content[0]?.text);
}

describe("sessions on a shared instance", () => {
  test("a sampling request no single client request explains is refused, not sent to the session in flight", async () => {
    const { dir, path } = writeFixtureConfig({
      asks: { fixture: "asks-client", args: (folder) => [join(folder, "asks.log")] },
    });
    const record = () => {
      try {
        return readFileSync(join(dir, "asks.log"), "utf8");
      } catch {
        return "";
      }
    };
    await using corral = await runCorral(["up", "--config", path]);
    await using a = await connectSdk(`${corral.url}/mcp`, "A");
    await using b = await connectSdk(`${corral.url}/mcp`, "B");
    // Alone in flight, a tools/call is the one request a sampling request can serve.
    assert.equal(textOf(await a.client.callTool({ name: "asks__sample", arguments: {} })), "from A");
    assert.equal(a.asked(), 1);

    // A's resources/read is in flight; B's call ends and the server then asks on behalf of nothing.
    const read = a.client.readResource({ uri: "hold://1" });
    await waitFor(() => record().includes("holding"), { what: "the read to be held" });
    assert.equal(textOf(await b.client.callTool({ name: "asks__ask-later", arguments: {} })), "ok");
    const released = await read;
    assert.equal((released.contents[0] as { text?: string }).text, "released");

    const outcome = record();
    assert.match(
      outcome,
      /unrelated refused: corral refused sampling\/createMessage from server "asks": the only request in flight on this shared instance is a resources\/read, not a tools\/call or prompts\/get, so it cannot be attributed to exactly one client session; set mode: per-session/,
    );
    assert.equal(a.asked(), 1, "A was asked on behalf of nothing");
    assert.equal(b.asked(), 0);
  });

  test("log lines reach only sessions that set a level, at their level", async () => {
    const { path } = writeFixtureConfig({ asks: { fixture: "asks-client" } });
    await using corral = await runCorral(["up", "--config", path]);
    await using quiet = await connectSdk(`${corral.url}/mcp`, "quiet");
    await using info = await connectSdk(`${corral.url}/mcp`, "info");
    await using errors = await connectSdk(`${corral.url}/mcp`, "errors");
    await info.client.setLoggingLevel("info");
    await errors.client.setLoggingLevel("error");

    // Each call is alone in flight, so its log line is its own; it travels before the answer.
    await quiet.client.callTool({ name: "asks__log", arguments: { level: "info", text: "to quiet" } });
    await info.client.callTool({ name: "asks__log", arguments: { level: "info", text: "to info" } });
    await errors.client.callTool({ name: "asks__log", arguments: { level: "info", text: "info to errors" } });
    await errors.client.callTool({
      name: "asks__log",
      arguments: { level: "error", text: "error to errors" },
    });

    assert.deepEqual(quiet.logs, [], "a session that never set a level got log lines");
    assert.deepEqual(info.logs, ["to info"]);
    assert.deepEqual(errors.logs, ["error to errors"]);
  });
});

describe("sessions of a per-session server", () => {
  const servers = async (url: string) =>
    (await getJson<{ servers: ServerView[] }>(`${url}/api/v1/mcp/servers`)).servers;

  test("initialize on /servers/<name>/mcp comes from the session's own instance", async () => {
    const { path } = writeFixtureConfig({ own: { fixture: "asks-client", extra: { mode: "per-session" } } });
    await using corral = await runCorral(["up", "--config", path]);
    await using a = await connectSdk(`${corral.url}/servers/own/mcp`, "A");
    await using b = await connectSdk(`${corral.url}/servers/own/mcp`, "B");
    for (const session of [a, b]) {
      const id = textOf(await session.client.callTool({ name: "whoami", arguments: {} }));
      assert.equal(session.client.getServerVersion()?.version, id, "initialize came from another instance");
    }
    assert.equal((await servers(corral.url))[0]?.instances.length, 2);
  });

  test("on /mcp: tools/list starts nothing; each session lists its own instance's tools once it has one", async () => {
    const { path } = writeFixtureConfig({ own: { fixture: "asks-client", extra: { mode: "per-session" } } });
    await using corral = await runCorral(["up", "--config", path]);
    await using a = await connectSdk(`${corral.url}/mcp`, "A");
    await using b = await connectSdk(`${corral.url}/mcp`, "B");
    const toolNames = async (session: SdkSession) =>
      (await session.client.listTools()).tools
        .map((tool) => tool.name)
        .filter((name) => name.startsWith("own__"));

    // Before first use: the server's tools as an instance that served no session lists them.
    const listed = await toolNames(a);
    assert.ok(listed.includes("own__whoami"), listed.join(", "));
    // The instance the template came from stops; no instance of A's starts.
    await waitFor(async () => (await servers(corral.url))[0]?.instances.length === 0, {
      what: "no instance of the per-session server after tools/list",
      timeoutMs: 5_000,
    });

    const idA = textOf(await a.client.callTool({ name: "own__whoami", arguments: {} }));
    const idB = textOf(await b.client.callTool({ name: "own__whoami", arguments: {} }));
    assert.notEqual(idA, idB);
    assert.deepEqual(
      (await toolNames(a)).filter((name) => name.startsWith("own__instance_")),
      [`own__instance_${idA}`],
    );
    assert.deepEqual(
      (await toolNames(b)).filter((name) => name.startsWith("own__instance_")),
      [`own__instance_${idB}`],
    );
    assert.equal(textOf(await b.client.callTool({ name: `own__instance_${idB}`, arguments: {} })), idB);
  });
});
