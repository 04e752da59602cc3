// The read side of the REST API against the real binary: servers (list and detail, secrets
// redacted), status, tools, logs (tail and follow), lifecycle conflicts, and the errors every route
// shares (403 Host/Origin, 404 route, 405 method).
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";
import type { ServerView, StatusView, ToolView } from "../../src/api/index.js";
import { overallStatus } from "../../src/api/status-view.js";
import { readSseEvents } from "../../src/cli/sse-reader.js";
import { listDescendants } from "../../src/platform/index.js";
import type { ServerStatus } from "../../src/supervisor/index.js";
import { type CorralRun, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient } from "../helpers/mcp-http.js";
import { waitFor } from "../helpers/wait.js";
import { call, errorOf, fixtureServer, post, writeConfig } from "./api-config.js";

const SECRET = "s3cr3t-f0r-corral-test";
/** `${CORRAL_TEST_SECRET}` as the config file writes it. */
const REFERENCE = "$" + "{CORRAL_TEST_SECRET}";

/** A raw GET, so Host and Origin can be anything. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers }, (response) => {
      let text = "";
      response.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on("error", reject);
    request.end();
  });
}

describe("REST read routes", () => {
  let corral: CorralRun;
  let api: string;

  before(async () => {
    const { path } = writeConfig(() => ({
      kinds: fixtureServer("tool-kinds", ["--token", REFERENCE, "plain-arg"], {
        env: { PLAIN: "not-secret-but-hidden", FROM_VAR: REFERENCE },
        tools: { deny: ["pid"] },
      }),
      alpha: fixtureServer("healthy"),
      broken: fixtureServer("crash-on-start", [], { restart: { initialDelay: "10s" } }),
      off: fixtureServer("healthy", [], { disabled: true }),
      remote: {
        url: "http://user:pa55@127.0.0.1:9/mcp",
        headers: { Authorization: `Bearer ${REFERENCE}` },
        start: "lazy",
      },
    }));
    corral = await runCorral(["up", "--config", path], { env: { CORRAL_TEST_SECRET: SECRET } });
    api = `${corral.url}/api/v1/mcp`;
    await waitFor(
      async () => {
        const { body } = await call(`${api}/servers`);
        const servers = body.servers as ServerView[];
        return (
          servers.find((s) => s.name === "kinds")?.tools !== null &&
          servers.find((s) => s.name === "alpha")?.tools !== null
        );
      },
      { what: "kinds and alpha listed" },
    );
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  test("GET /servers: exactly the documented shape", async () => {
    const { status, body } = await call(`${api}/servers`);
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body).sort(), ["servers", "uptimeSeconds", "version"]);
    const servers = body.servers as ServerView[];
    assert.deepEqual(
      servers.map((server) => server.name),
      ["kinds", "alpha", "broken", "off", "remote"],
    );
    const kinds = servers[0] as ServerView;
    assert.deepEqual(Object.keys(kinds).sort(), [
      "desiredInstances",
      "instances",
      "lastError",
      "mode",
      "name",
      "reason",
      "start",
      "state",
      "tools",
      "transport",
    ]);
    assert.deepEqual(Object.keys(kinds.instances[0] ?? {}).sort(), [
      "cpuSeconds",
      "id",
      "limits",
      "memoryBytes",
      "nextAttemptAt",
      "pid",
      "reason",
      "restarts",
      "since",
      "state",
    ]);
    assert.equal(kinds.state, "ready");
    assert.equal(kinds.tools, 7); // echo + six of its own; pid is denied
    const broken = servers[2] as ServerView;
    assert.equal(broken.state, "backoff");
    assert.match(broken.lastError ?? "", /exit code 1/);
  });

  test("GET /servers/{name}: its tools and its config, secrets redacted; 404 for an unknown name", async () => {
    const { status, body } = await call(`${api}/servers/kinds`);
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body).sort(), ["config", "server", "tools"]);
    assert.equal((body.server as ServerView).name, "kinds");
    const tools = body.tools as ToolView[];
    assert.ok(tools.some((tool) => tool.name === "pairs" && tool.exposedName === "kinds__pairs"));
    assert.ok(!tools.some((tool) => tool.name === "pid"));
    const config = body.config as { args: string[]; env: Record<string, string>; command: string };
    assert.deepEqual(config.args.slice(1), ["--token", "***", "plain-arg"]);
    assert.deepEqual(config.env, { PLAIN: "***", FROM_VAR: "***" });
    assert.equal(config.command, process.execPath);

    const remote = await call(`${api}/servers/remote`);
    assert.equal(remote.status, 200);
    assert.equal(remote.body.tools, null);
    const remoteConfig = remote.body.config as { url: string; headers: Record<string, string> };
    assert.deepEqual(remoteConfig.headers, { Authorization: "***" });
    assert.equal(remoteConfig.url, "http://***@127.0.0.1:9/mcp");
    for (const name of ["kinds", "remote", "alpha"]) {
      const text = JSON.stringify((await call(`${api}/servers/${name}`)).body);
      assert.ok(!text.includes(SECRET) && !text.includes("pa55"), `${name} leaks a secret: ${text}`);
    }

    const unknown = await call(`${api}/servers/nope`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, {
      error: { code: "SERVER_NOT_FOUND", message: 'no server named "nope"; see corral ps', server: "nope" },
    });
  });

  test("GET /status: exactly the documented shape, processes and sessions counted", async () => {
    const client = await McpHttpClient.connect(`${corral.url}/mcp`);
    const { status, body } = await call(`${api}/status`);
    assert.equal(status, 200);
    const view = body as unknown as StatusView;
    assert.deepEqual(Object.keys(view).sort(), [
      "processes",
      "servers",
      "sessions",
      "startedAt",
      "status",
      "uptimeSeconds",
      "version",
    ]);
    assert.equal(view.status, "degraded"); // broken is in backoff
    assert.deepEqual(view.servers, {
      total: 5,
      byState: { stopped: 2, starting: 0, ready: 2, degraded: 0, backoff: 1, failed: 0, stopping: 0 },
    });
    assert.ok(view.sessions >= 1);
    assert.equal(typeof view.uptimeSeconds, "number");
    assert.match(view.version, /^\d+\.\d+\.\d+/);
    const servers = (await call(`${api}/servers`)).body.servers as ServerView[];
    const pids = servers.flatMap((server) => server.instances.flatMap((instance) => instance.pid ?? []));
    const expected = pids.reduce((sum, pid) => sum + 1 + listDescendants(pid).length, 0);
    assert.equal(view.processes, expected);
    assert.ok(view.processes >= 2);
    await client.delete();
  });

  test("overall status: ok, degraded, down", () => {
    const server = (name: string, state: ServerStatus["state"]) => ({ name, state }) as ServerStatus;
    const none = new Set<string>();
    assert.equal(overallStatus([server("a", "ready"), server("b", "stopped")], none), "ok");
    assert.equal(overallStatus([server("a", "ready"), server("b", "backoff")], none), "degraded");
    assert.equal(overallStatus([server("a", "starting")], none), "degraded");
    assert.equal(overallStatus([server("a", "failed"), server("b", "stopped")], none), "down");
    assert.equal(overallStatus([server("a", "backoff"), server("b", "starting")], none), "down");
    assert.equal(overallStatus([server("a", "ready"), server("b", "stopped")], new Set(["b"])), "ok");
    assert.equal(overallStatus([], none), "ok");
  });

  test("GET /tools: prefixed and original names; ?server= narrows; unlisted servers named; 404", async () => {
    const { status, body } = await call(`${api}/tools`);
    assert.equal(status, 200);
    const tools = body.tools as ToolView[];
    const echo = tools.filter((tool) => tool.name === "echo").map((tool) => [tool.server, tool.exposedName]);
    assert.deepEqual(echo, [
      ["kinds", "kinds__echo"],
      ["alpha", "alpha__echo"],
    ]);
    const pairs = tools.find((tool) => tool.exposedName === "kinds__pairs");
    assert.deepEqual(Object.keys(pairs ?? {}).sort(), [
      "description",
      "exposedName",
      "inputSchema",
      "name",
      "server",
    ]);
    assert.deepEqual(
      (body.unlisted as { server: string }[]).map((item) => item.server),
      ["broken", "off", "remote"],
    );
    const only = await call(`${api}/tools?server=alpha`);
    assert.deepEqual(
      (only.body.tools as ToolView[]).map((tool) => tool.name),
      ["echo", "pid"],
    );
    const unknown = await call(`${api}/tools?server=nope`);
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown.body).code, "SERVER_NOT_FOUND");
  });

  test("GET /servers/{name}/logs: the tail, and with follow=1 every new line as SSE; 400 and 404", async () => {
    for (const text of ["first line", "second line"]) {
      const said = await post(`${api}/execute`, { server: "kinds", tool: "say", arguments: { text } });
      assert.equal(said.status, 200);
    }
    const tail = await call(`${api}/servers/kinds/logs?tail=2`);
    assert.equal(tail.status, 200);
    assert.deepEqual(Object.keys(tail.body).sort(), ["lines", "server"]);
    const lines = tail.body.lines as { at: string; instance: string; text: string }[];
    assert.deepEqual(
      lines.map((line) => [line.instance, line.text]),
      [
        ["kinds-1", "first line"],
        ["kinds-1", "second line"],
      ],
    );
    assert.ok(Date.parse(lines[0]?.at ?? "") > 0);

    const aborter = new AbortController();
    const response = await fetch(`${api}/servers/kinds/logs?tail=1&follow=1`, { signal: aborter.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    const events = readSseEvents(response.body as unknown as AsyncIterable<Uint8Array>);
    const next = async () => JSON.parse((await events.next()).value?.data ?? "null") as { text: string };
    assert.equal((await next()).text, "second line");
    await post(`${api}/execute`, { server: "kinds", tool: "say", arguments: { text: "third line" } });
    assert.equal((await next()).text, "third line");
    aborter.abort();
    await events.return(undefined).catch(() => undefined);

    for (const query of ["tail=abc", "tail=-1", "tail=5000", "follow=yes"]) {
      const bad = await call(`${api}/servers/kinds/logs?${query}`);
      assert.equal(bad.status, 400, query);
      assert.equal(errorOf(bad.body).code, "BAD_REQUEST");
    }
    assert.equal((await call(`${api}/servers/nope/logs`)).status, 404);
  });

  test("POST /servers/{name}/start|restart of a disabled server is 409; unknown is 404", async () => {
    for (const action of ["start", "restart"]) {
      const answer = await post(`${api}/servers/off/${action}`, "");
      assert.equal(answer.status, 409);
      assert.equal(errorOf(answer.body).code, "STATE_CONFLICT");
      assert.equal(errorOf(answer.body).server, "off");
    }
    assert.equal((await post(`${api}/servers/off/stop`, "")).status, 202);
    assert.equal((await post(`${api}/servers/nope/start`, "")).status, 404);
  });

  test("403 for a foreign Host or Origin; 404 for an unknown route; 405 for a wrong method", async () => {
    const host = await rawGet(`${api}/status`, { host: "evil.example" });
    assert.equal(host.status, 403);
    assert.equal((JSON.parse(host.text) as { error: { code: string } }).error.code, "HOST_NOT_ALLOWED");
    const origin = await rawGet(`${api}/servers`, { origin: "https://evil.example" });
    assert.equal(origin.status, 403);
    assert.equal((JSON.parse(origin.text) as { error: { code: string } }).error.code, "ORIGIN_NOT_ALLOWED");

    const route = await call(`${api}/nothing-here`);
    assert.equal(route.status, 404);
    assert.equal(errorOf(route.body).code, "ROUTE_NOT_FOUND");
    const method = await call(`${api}/status`, { method: "DELETE" });
    assert.equal(method.status, 405);
    assert.equal(method.headers.get("allow"), "GET");
    assert.equal(errorOf(method.body).code, "METHOD_NOT_ALLOWED");
    const getExecute = await call(`${api}/execute`);
    assert.equal(getExecute.status, 405);
    assert.equal(getExecute.headers.get("allow"), "POST");
  });
});

describe("GET /status when nothing can take requests", () => {
  test("down", async () => {
    const { path } = writeConfig(() => ({
      broken: fixtureServer("crash-on-start", [], { restart: { initialDelay: "10s" } }),
    }));
    await using corral = await runCorral(["up", "--config", path]);
    const { body } = await call(`${corral.url}/api/v1/mcp/status`);
    assert.equal(body.status, "down");
    assert.equal(body.processes, 0);
  });
});
