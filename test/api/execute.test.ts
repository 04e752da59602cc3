// POST /api/v1/mcp/execute against the real binary: both shapes, argument validation by dialect
// before anything is sent, every error status, the 503 fast-fail and the 504 with cancellation. Every
// answer, whatever its status, is held to the OpenAPI document's schema for that status.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CorralRun, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";
import { errorOf, fixtureServer, post, writeConfig } from "./api-config.js";
import { createShapeChecker } from "./openapi-shapes.js";

const shapes = createShapeChecker();

function logLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

describe("POST /api/v1/mcp/execute", () => {
  let corral: CorralRun;
  let dir: string;
  let execute: (body: unknown) => ReturnType<typeof post>;
  const slowLog = () => join(dir, "slow.log");

  before(async () => {
    const written = writeConfig(
      (folder) => ({
        kinds: fixtureServer("tool-kinds", [], { tools: { deny: ["pid"] } }),
        slow: fixtureServer("slow-tools", [join(folder, "slow.log")]),
        once: fixtureServer("exit-after-n-calls", ["1"], {
          restart: { initialDelay: "10s", maxDelay: "10s" },
        }),
        broken: fixtureServer("crash-on-start", [], { restart: { initialDelay: "10s" } }),
        off: fixtureServer("healthy", [], { disabled: true }),
        mine: fixtureServer("healthy", [], { mode: "per-session" }),
        later: fixtureServer("healthy", [], { start: "lazy" }),
      }),
      { maxBodySize: "2Ki" },
    );
    dir = written.dir;
    corral = await runCorral(["up", "--config", written.path]);
    execute = async (body) => {
      const answer = await post(`${corral.url}/api/v1/mcp/execute`, body);
      shapes.assertResponse("/api/v1/mcp/execute", "post", answer.status, answer.body);
      return answer;
    };
    await waitFor(
      async () => (await execute({ server: "kinds", tool: "echo", arguments: { text: "x" } })).status === 200,
      {
        what: "kinds listed",
      },
    );
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  test("a tool call: 200 with exactly {server, tool, result, durationMs}", async () => {
    const answer = await execute({ server: "kinds", tool: "echo", arguments: { text: "hello" } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(Object.keys(answer.body).sort(), ["durationMs", "result", "server", "tool"]);
    assert.equal(answer.body.server, "kinds");
    assert.equal(answer.body.tool, "echo");
    assert.deepEqual(answer.body.result, { content: [{ type: "text", text: "hello" }] });
    assert.equal(typeof answer.body.durationMs, "number");
  });

  test("a command of any MCP method: 200 with exactly {server, method, result, durationMs}", async () => {
    const listed = await execute({ server: "kinds", command: { method: "tools/list" } });
    assert.equal(listed.status, 200);
    assert.deepEqual(Object.keys(listed.body).sort(), ["durationMs", "method", "result", "server"]);
    assert.equal(listed.body.method, "tools/list");
    const names = (listed.body.result as { tools: { name: string }[] }).tools.map((tool) => tool.name);
    assert.ok(names.includes("pairs") && names.includes("echo"));

    const called = await execute({
      server: "kinds",
      command: { method: "tools/call", params: { name: "echo", arguments: { text: "via command" } } },
    });
    assert.equal(called.status, 200);
    assert.deepEqual(called.body.result, { content: [{ type: "text", text: "via command" }] });
    const ping = await execute({ server: "kinds", command: { method: "ping" } });
    assert.equal(ping.status, 200);
    assert.deepEqual(ping.body.result, {});
  });

  test("a tool-level error (isError) is a 200 with the result", async () => {
    const answer = await execute({ server: "kinds", tool: "fails" });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.result, {
      content: [{ type: "text", text: "this tool always fails" }],
      isError: true,
    });
  });

  test("400: arguments checked against the inputSchema by its dialect, before anything is sent", async () => {
    // 2020-12: prefixItems with items:false accepts exactly [string, integer].
    assert.equal(
      (await execute({ server: "kinds", tool: "pairs", arguments: { pair: ["a", 1] } })).status,
      200,
    );
    const pair = await execute({ server: "kinds", tool: "pairs", arguments: { pair: [1, "a"] } });
    assert.equal(pair.status, 400);
    const error = errorOf(pair.body);
    assert.equal(error.code, "INVALID_ARGUMENTS");
    assert.equal(error.server, "kinds");
    assert.match(
      error.message ?? "",
      /arguments of kinds\.pairs do not match its inputSchema: \/pair\/0 must be string/,
    );
    const problems = error.errors as { path: string; keyword: string; message: string }[];
    assert.deepEqual(
      problems.map((problem) => [problem.path, problem.keyword]),
      [
        ["/pair/0", "type"],
        ["/pair/1", "type"],
      ],
    );
    // draft-07 by $schema: `dependencies` applies.
    const measure = await execute({ server: "kinds", tool: "measure", arguments: { n: 2 } });
    assert.equal(measure.status, 400);
    assert.equal((errorOf(measure.body).errors as { keyword: string }[])[0]?.keyword, "dependencies");
    assert.equal(
      (await execute({ server: "kinds", tool: "measure", arguments: { n: 2, unit: "m" } })).status,
      200,
    );
    // No $schema: draft-07, where an array `items` is a tuple.
    assert.equal(
      (await execute({ server: "kinds", tool: "tuple", arguments: { items: ["a"] } })).status,
      200,
    );
    const tuple = await execute({ server: "kinds", tool: "tuple", arguments: { items: ["a", "b"] } });
    assert.equal(tuple.status, 400);
    assert.equal((errorOf(tuple.body).errors as { keyword: string }[])[0]?.keyword, "additionalItems");
    // Missing required property; the server never saw these calls (slow-tools logs each call).
    const missing = await execute({ server: "kinds", tool: "echo", arguments: {} });
    assert.equal(missing.status, 400);
    assert.match(errorOf(missing.body).message ?? "", /must have required property 'text'/);
    // A schema that does not compile does not block the call.
    const unchecked = await execute({ server: "kinds", tool: "unchecked", arguments: { x: 1 } });
    assert.equal(unchecked.status, 200);
  });

  test("nothing reaches the server when the arguments are invalid", async () => {
    const before = logLines(slowLog()).length;
    const answer = await execute({ server: "slow", tool: "sleep", arguments: { ms: "soon" } });
    assert.equal(answer.status, 400);
    assert.equal(errorOf(answer.body).code, "INVALID_ARGUMENTS");
    assert.equal(logLines(slowLog()).length, before);
  });

  test("400: bodies that are not JSON or not one of the two shapes", async () => {
    const cases: [unknown, RegExp][] = [
      ["{not json", /the body is not JSON/],
      [[1, 2], /the body must be a JSON object/],
      [{ tool: "echo" }, /"server" must be a non-empty string/],
      [{ server: "kinds" }, /give exactly one of "tool" and "command"/],
      [
        { server: "kinds", tool: "echo", command: { method: "ping" } },
        /give exactly one of "tool" and "command"/,
      ],
      [{ server: "kinds", tool: "echo", arguments: [1] }, /"arguments" must be an object/],
      [{ server: "kinds", tool: "echo", timeoutMs: 0 }, /"timeoutMs" must be an integer from 1 to/],
      [{ server: "kinds", tool: "echo", extra: 1 }, /unknown field "extra"/],
      [{ server: "kinds", command: { params: {} } }, /"command\.method" must be a non-empty string/],
      [{ server: "kinds", command: { method: "initialize" } }, /initialize cannot be sent through \/execute/],
    ];
    for (const [body, message] of cases) {
      const answer = await execute(body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(errorOf(answer.body).code, "BAD_REQUEST");
      assert.match(errorOf(answer.body).message ?? "", message);
    }
  });

  test("404: unknown server, unknown tool, a tool the config hides", async () => {
    const server = await execute({ server: "nope", tool: "echo" });
    assert.equal(server.status, 404);
    assert.deepEqual(server.body, {
      error: { code: "SERVER_NOT_FOUND", message: 'no server named "nope"; see corral ps', server: "nope" },
    });
    const tool = await execute({ server: "kinds", tool: "nope" });
    assert.equal(tool.status, 404);
    assert.equal(errorOf(tool.body).code, "TOOL_NOT_FOUND");
    assert.equal(errorOf(tool.body).server, "kinds");
    const hidden = await execute({ server: "kinds", tool: "pid" });
    assert.equal(hidden.status, 404);
    assert.match(errorOf(hidden.body).message ?? "", /has no tool "pid" exposed by the config/);
  });

  test("409: a disabled server, a per-session server", async () => {
    const off = await execute({ server: "off", tool: "echo", arguments: { text: "x" } });
    assert.equal(off.status, 409);
    assert.deepEqual(off.body, {
      error: {
        code: "STATE_CONFLICT",
        message: 'server "off" is disabled in the config; enable it there to call it',
        server: "off",
        state: "stopped",
      },
    });
    const offCommand = await execute({ server: "off", command: { method: "ping" } });
    assert.equal(offCommand.status, 409);
    const mine = await execute({ server: "mine", tool: "echo", arguments: { text: "x" } });
    assert.equal(mine.status, 409);
    assert.match(errorOf(mine.body).message ?? "", /per-session.*\/servers\/mine\/mcp/);
  });

  test("413: a body over gateway.maxBodySize", async () => {
    const answer = await execute({ server: "kinds", tool: "echo", arguments: { text: "x".repeat(4096) } });
    assert.equal(answer.status, 413);
    assert.equal(errorOf(answer.body).code, "BODY_TOO_LARGE");
  });

  test("502: the server answers with a JSON-RPC error", async () => {
    const answer = await execute({
      server: "kinds",
      command: { method: "prompts/get", params: { name: "x" } },
    });
    assert.equal(answer.status, 502);
    const error = errorOf(answer.body);
    assert.equal(error.code, "UPSTREAM_ERROR");
    assert.equal((error.rpcError as { code: number }).code, -32601);
  });

  test("a lazy server is started by its first call", async () => {
    const answer = await execute({ server: "later", tool: "echo", arguments: { text: "woke" } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.result, { content: [{ type: "text", text: "woke" }] });
  });

  test("503 in under 100 ms for a server in backoff, with state and retryAt", async () => {
    // Never listed: the state alone answers.
    await waitFor(async () => (await execute({ server: "broken", tool: "echo" })).status === 503, {
      what: "broken in backoff",
    });
    const broken = await execute({ server: "broken", tool: "echo", arguments: { text: "x" } });
    assert.equal(broken.status, 503);
    assert.ok(broken.ms < 100, `answered in ${broken.ms}ms`);
    // Listed, then crashed: the arguments are checked, then the state answers.
    const last = await execute({ server: "once", tool: "echo", arguments: { text: "last" } });
    assert.equal(last.status, 200);
    await waitFor(
      async () => (await execute({ server: "once", tool: "echo", arguments: { text: "x" } })).status === 503,
      {
        what: "once in backoff",
      },
    );
    const answer = await execute({ server: "once", tool: "echo", arguments: { text: "again" } });
    assert.equal(answer.status, 503);
    assert.ok(answer.ms < 100, `answered in ${answer.ms}ms`);
    const error = errorOf(answer.body);
    assert.deepEqual(Object.keys(error).sort(), ["code", "message", "reason", "retryAt", "server", "state"]);
    assert.equal(error.code, "SERVER_UNAVAILABLE");
    assert.equal(error.server, "once");
    assert.equal(error.state, "backoff");
    assert.match(String(error.reason), /exit code 3/);
    assert.ok(Date.parse(String(error.retryAt)) > Date.now());
    assert.ok(Number(answer.headers.get("retry-after")) >= 1);
  });

  test("504 in under 1 s with timeoutMs 500; the server receives notifications/cancelled", async () => {
    const answer = await execute({
      server: "slow",
      tool: "sleep",
      arguments: { ms: 30_000 },
      timeoutMs: 500,
    });
    assert.equal(answer.status, 504);
    assert.ok(answer.ms >= 450 && answer.ms < 1_000, `answered after ${answer.ms}ms`);
    assert.deepEqual(answer.body, {
      error: {
        code: "REQUEST_TIMEOUT",
        message: 'server "slow" did not answer tools/call within 500ms; it was sent notifications/cancelled',
        server: "slow",
      },
    });
    const started = logLines(slowLog())
      .filter((line) => line.startsWith("started "))
      .at(-1)
      ?.slice("started ".length);
    assert.ok(started !== undefined, "the call reached the server");
    await waitFor(() => logLines(slowLog()).includes(`cancelled ${started}`), {
      what: "the server to see the cancellation",
    });
  });
});
