// The REST API but /execute against the real binary: servers (list and detail, secrets redacted),
// status, tools, logs (tail and follow), start/stop/restart (no-ops and 409s), the probes, and the
// errors every route shares (403 Host/Origin, 404 route, 405 method). Every answer is also held to
// its OpenAPI response schema (closed objects), so a key too many or too few fails.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ServerView, StatusView, ToolView } from "../../src/api/index.js";
import { overallStatus } from "../../src/api/status-view.js";
import { readSseEvents } from "../../src/cli/sse-reader.js";
import { listDescendants } from "../../src/platform/index.js";
import type { ServerStatus } from "../../src/supervisor/index.js";
import { type CorralRun, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient } from "../helpers/mcp-http.js";
import { waitFor } from "../helpers/wait.js";
import { call, errorOf, fixtureServer, post, rawRequest, writeConfig } from "./api-config.js";
import { createShapeChecker } from "./openapi-shapes.js";

const shapes = createShapeChecker();
const SERVERS = "/api/v1/mcp/servers";
const SERVER = "/api/v1/mcp/servers/{name}";
const LOGS = "/api/v1/mcp/servers/{name}/logs";

const SECRET = "s3cr3t-f0r-corral-test";
/** `${CORRAL_TEST_SECRET}` as the config file writes it. */
const REFERENCE = "$" + "{CORRAL_TEST_SECRET}";

describe("REST routes", () => {
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
      // Takes stop.stdinGrace to stop; its tools are hidden so the catalog assertions stay about kinds and alpha.
      lingers: fixtureServer("ignores-stdin-eof", [], {
        stop: { stdinGrace: "5s" },
        tools: { deny: ["echo", "pid"] },
      }),
      mine: fixtureServer("healthy", [], { mode: "per-session" }),
    }));
    corral = await runCorral(["up", "--config", path], { env: { CORRAL_TEST_SECRET: SECRET } });
    api = `${corral.url}/api/v1/mcp`;
    await waitFor(
      async () => {
        const { body } = await call(`${api}/servers`);
        const servers = body.servers as ServerView[];
        return ["kinds", "alpha", "lingers"].every(
          (name) => servers.find((s) => s.name === name)?.tools !== null,
        );
      },
      { what: "kinds, alpha and lingers listed" },
    );
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  test("GET /servers: exactly the documented shape", async () => {
    const { status, body } = await call(`${api}/servers`);
    assert.equal(status, 200);
    shapes.assertResponse(SERVERS, "get", status, body);
    assert.deepEqual(Object.keys(body).sort(), ["servers", "uptimeSeconds", "version"]);
    const servers = body.servers as ServerView[];
    assert.deepEqual(
      servers.map((server) => server.name),
      ["kinds", "alpha", "broken", "off", "remote", "lingers", "mine"],
    );
    const kinds = servers[0] as ServerView;
    assert.deepEqual(Object.keys(kinds).sort(), [
      "desiredInstances",
      "held",
      "instances",
      "lastError",
      "mode",
      "name",
      "reason",
      "reasonKind",
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
      "reasonKind",
      "restarts",
      "since",
      "state",
    ]);
    assert.equal(kinds.state, "ready");
    assert.equal(kinds.reasonKind, "ready");
    assert.equal(kinds.tools, 7); // echo + six of its own; pid is denied
    const broken = servers[2] as ServerView;
    assert.equal(broken.state, "backoff");
    assert.match(broken.lastError ?? "", /exit code 1/);
  });

  test("GET /servers/{name}: its tools and its config, secrets redacted; 404 for an unknown name", async () => {
    const { status, body } = await call(`${api}/servers/kinds`);
    assert.equal(status, 200);
    shapes.assertResponse(SERVER, "get", status, body);
    assert.deepEqual(Object.keys(body).sort(), ["config", "server", "shadowed", "tools"]);
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
    shapes.assertResponse(SERVER, "get", remote.status, remote.body);
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
    shapes.assertResponse(SERVER, "get", unknown.status, unknown.body);
    assert.deepEqual(unknown.body, {
      error: { code: "SERVER_NOT_FOUND", message: 'no server named "nope"; see corral ps', server: "nope" },
    });
  });

  test("GET /status: exactly the documented shape, processes and sessions counted", async () => {
    const client = await McpHttpClient.connect(`${corral.url}/mcp`);
    const { status, body } = await call(`${api}/status`);
    assert.equal(status, 200);
    shapes.assertResponse("/api/v1/mcp/status", "get", status, body);
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
      total: 7,
      byState: { stopped: 3, starting: 0, ready: 3, degraded: 0, backoff: 1, failed: 0, stopping: 0 },
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
    shapes.assertResponse("/api/v1/mcp/tools", "get", status, body);
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
      ["broken", "off", "remote", "mine"],
    );
    const only = await call(`${api}/tools?server=alpha`);
    assert.deepEqual(
      (only.body.tools as ToolView[]).map((tool) => tool.name),
      ["echo", "pid"],
    );
    const unknown = await call(`${api}/tools?server=nope`);
    assert.equal(unknown.status, 404);
    shapes.assertResponse("/api/v1/mcp/tools", "get", unknown.status, unknown.body);
    assert.equal(errorOf(unknown.body).code, "SERVER_NOT_FOUND");
  });

  test("GET /servers/{name}/logs: the tail, and with follow=1 every new line as SSE; 400 and 404", async () => {
    for (const text of ["first line", "second line"]) {
      const said = await post(`${api}/execute`, { server: "kinds", tool: "say", arguments: { text } });
      assert.equal(said.status, 200);
    }
    const tail = await call(`${api}/servers/kinds/logs?tail=2`);
    assert.equal(tail.status, 200);
    shapes.assertResponse(LOGS, "get", tail.status, tail.body);
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
      shapes.assertResponse(LOGS, "get", bad.status, bad.body);
      assert.equal(errorOf(bad.body).code, "BAD_REQUEST");
    }
    const unknown = await call(`${api}/servers/nope/logs`);
    assert.equal(unknown.status, 404);
    shapes.assertResponse(LOGS, "get", unknown.status, unknown.body);
  });

  test("POST /servers/{name}/start|stop|restart: 202 when done, 200 when there is nothing to do, 409, 404", async () => {
    const act = async (name: string, action: "start" | "stop" | "restart", status: number) => {
      const answer = await post(`${api}/servers/${name}/${action}`, "");
      assert.equal(answer.status, status, `${action} ${name}: ${JSON.stringify(answer.body)}`);
      shapes.assertResponse(`${SERVER}/${action}`, "post", answer.status, answer.body);
      return answer.body;
    };
    // alpha is ready: start has nothing to do; stop stops it; a second stop has nothing to do.
    assert.deepEqual(
      { ...(await act("alpha", "start", 200)), reason: "" },
      { server: "alpha", action: "start", changed: false, state: "ready", reason: "" },
    );
    assert.deepEqual(
      { ...(await act("alpha", "stop", 202)), reason: "" },
      { server: "alpha", action: "stop", changed: true, state: "stopped", reason: "" },
    );
    assert.equal((await act("alpha", "stop", 200)).changed, false);
    const started = await act("alpha", "start", 202);
    assert.equal(started.changed, true);
    assert.ok(["starting", "ready"].includes(String(started.state)));
    await waitFor(
      async () => ((await call(`${api}/servers/alpha`)).body.server as ServerView).state === "ready",
      { what: "alpha ready again" },
    );
    assert.equal((await act("alpha", "restart", 202)).changed, true);
    await waitFor(
      async () => ((await call(`${api}/servers/alpha`)).body.server as ServerView).state === "ready",
      { what: "alpha ready after the restart" },
    );
    // broken waits in backoff: start leaves it waiting (200), restart tries at once (202).
    const waiting = await act("broken", "start", 200);
    assert.equal(waiting.state, "backoff");

    // A server still stopping cannot be started: 409 with its state (stop.stdinGrace keeps it there 5s).
    await waitFor(
      async () => ((await call(`${api}/servers/lingers`)).body.server as ServerView).state === "ready",
      { what: "lingers ready" },
    );
    const stopping = post(`${api}/servers/lingers/stop`, "");
    await waitFor(
      async () => ((await call(`${api}/servers/lingers`)).body.server as ServerView).state === "stopping",
      { what: "lingers stopping" },
    );
    const conflict = await post(`${api}/servers/lingers/start`, "");
    assert.equal(conflict.status, 409);
    shapes.assertResponse(`${SERVER}/start`, "post", conflict.status, conflict.body);
    assert.deepEqual(errorOf(conflict.body), {
      code: "STATE_CONFLICT",
      message: 'server "lingers" is stopping; start it once it is stopped, or restart it',
      server: "lingers",
      state: "stopping",
    });
    assert.equal((await stopping).status, 202);

    // Disabled: start and restart are 409, stop has nothing to do. Per-session: start is 409.
    for (const action of ["start", "restart"] as const) {
      const error = errorOf(await act("off", action, 409));
      assert.equal(error.code, "STATE_CONFLICT");
      assert.equal(error.server, "off");
      assert.match(error.message ?? "", /disabled in the config/);
    }
    assert.equal((await act("off", "stop", 200)).changed, false);
    assert.match(
      errorOf(await act("mine", "start", 409)).message ?? "",
      /per-session: its instances start with MCP client sessions on \/servers\/mine\/mcp/,
    );
    for (const action of ["start", "stop", "restart"] as const) {
      assert.equal(errorOf(await act("nope", action, 404)).code, "SERVER_NOT_FOUND");
    }
  });

  test("GET /healthz is ok; GET /readyz is 503 naming each server that should run and cannot", async () => {
    const health = await call(`${corral.url}/healthz`);
    assert.equal(health.status, 200);
    shapes.assertResponse("/healthz", "get", health.status, health.body);
    assert.deepEqual(health.body, { status: "ok" });
    const ready = await call(`${corral.url}/readyz`);
    assert.equal(ready.status, 503);
    shapes.assertResponse("/readyz", "get", ready.status, ready.body);
    // broken waits in backoff; the lazy, disabled and per-session servers are not counted, nor
    // lingers, which the operator stopped in the test above (a stop holds).
    const lingers = (await call(`${api}/servers/lingers`)).body.server as ServerView;
    assert.deepEqual([lingers.state, lingers.held], ["stopped", true]);
    const notReady = ready.body.notReady as { name: string; state: string; reason: string }[];
    assert.equal(ready.body.ready, false);
    assert.equal(ready.body.readiness, "all");
    assert.deepEqual(
      notReady.map((server) => [server.name, server.state]),
      [["broken", "backoff"]],
    );
    assert.match(notReady[0]?.reason ?? "", /exit code 1/);
  });

  test("403 for a foreign Host or Origin; 404 for an unknown route; 405 for a wrong method", async () => {
    const host = await rawRequest(`${api}/status`, { host: "evil.example" });
    assert.equal(host.status, 403);
    shapes.assertResponse("/api/v1/mcp/status", "get", host.status, host.body);
    assert.equal(errorOf(host.body).code, "HOST_NOT_ALLOWED");
    const origin = await rawRequest(`${api}/servers`, { origin: "https://evil.example" });
    assert.equal(origin.status, 403);
    shapes.assertResponse(SERVERS, "get", origin.status, origin.body);
    assert.equal(errorOf(origin.body).code, "ORIGIN_NOT_ALLOWED");

    const route = await call(`${api}/nothing-here`);
    assert.equal(route.status, 404);
    shapes.assertSchema("Error", route.body);
    assert.equal(errorOf(route.body).code, "ROUTE_NOT_FOUND");
    const method = await call(`${api}/status`, { method: "DELETE" });
    assert.equal(method.status, 405);
    assert.equal(method.headers.get("allow"), "GET");
    shapes.assertSchema("Error", method.body);
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
    const { status, body } = await call(`${corral.url}/api/v1/mcp/status`);
    shapes.assertResponse("/api/v1/mcp/status", "get", status, body);
    assert.equal(body.status, "down");
    assert.equal(body.processes, 0);
  });
});
