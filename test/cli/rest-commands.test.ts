// The real binary's status, tools, call and logs commands against a running gateway: human and
// --json output, --url and CORRAL_URL, and exit codes 0 / 1 / 2.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type { StatusView, ToolView } from "../../src/api/index.js";
import { fixtureServer, writeConfig } from "../api/api-config.js";
import { CORRAL_BIN, type CorralRun, REPO_ROOT, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";

function corral(args: string[], env: Record<string, string | undefined> = {}) {
  const result = spawnSync(process.execPath, [CORRAL_BIN, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, CORRAL_URL: undefined, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("corral status, tools, call, logs", () => {
  let gateway: CorralRun;
  let url: string;

  before(async () => {
    const { path } = writeConfig(() => ({
      kinds: fixtureServer("tool-kinds"),
      slow: fixtureServer("slow-tools"),
      broken: fixtureServer("crash-on-start", [], { restart: { initialDelay: "10s" } }),
    }));
    gateway = await runCorral(["up", "--config", path]);
    url = gateway.url;
    await waitFor(
      () => {
        const result = corral(["tools", "--json", "--url", url]);
        const tools = result.code === 0 ? (JSON.parse(result.stdout) as ToolView[]) : [];
        return tools.some((tool) => tool.server === "slow") && tools.some((tool) => tool.server === "kinds");
      },
      { what: "both servers listed" },
    );
  });
  after(async () => {
    await gateway?.[Symbol.asyncDispose]();
  });

  test("status: a summary, --json with the API's shape; down is exit 1", async () => {
    const human = corral(["status", "--url", url]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^status +degraded$/m);
    assert.match(human.stdout, /^servers +3 \(2 ready, 1 backoff\)$/m);
    assert.match(human.stdout, /^processes +\d+$/m);
    assert.match(human.stdout, /^sessions +0$/m);
    assert.match(human.stdout, /^uptime +\d+s$/m);
    const json = corral(["status", "--json"], { CORRAL_URL: url });
    assert.equal(json.code, 0);
    const status = JSON.parse(json.stdout) as StatusView;
    assert.equal(status.status, "degraded");
    assert.equal(status.servers.byState.ready, 2);

    const { path } = writeConfig(() => ({
      broken: fixtureServer("crash-on-start", [], { restart: { initialDelay: "10s" } }),
    }));
    await using down = await runCorral(["up", "--config", path]);
    const result = corral(["status", "--url", down.url]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^status +down$/m);
  });

  test("tools: a table of every tool or one server's, --json with schemas, unknown server exit 1", () => {
    const table = corral(["tools", "--url", url]);
    assert.equal(table.code, 0, table.stderr);
    const [header, ...rows] = table.stdout.trim().split("\n");
    assert.match(header ?? "", /^NAME +SERVER +TOOL +DESCRIPTION$/);
    assert.ok(rows.some((row) => /^kinds__pairs +kinds +pairs +Takes a \[string, integer\] pair/.test(row)));
    assert.ok(rows.some((row) => /^slow__sleep +slow +sleep +Answers after/.test(row)));
    assert.match(table.stderr, /broken: tools not known yet \(backoff: exit code 1/);

    const one = corral(["tools", "slow", "--json", "--url", url]);
    assert.equal(one.code, 0);
    const tools = JSON.parse(one.stdout) as ToolView[];
    assert.deepEqual(
      tools.map((tool) => tool.name),
      ["echo", "pid", "withdraw", "sleep"],
    );
    assert.equal(tools.find((tool) => tool.name === "sleep")?.exposedName, "slow__sleep");
    assert.equal(typeof tools[0]?.inputSchema, "object");

    const unknown = corral(["tools", "nope", "--url", url]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no server named "nope"; see corral ps/);
    assert.equal(corral(["tools", "a", "b", "--url", url]).code, 2);
  });

  test("call: --arg and --json arguments, text or --output json, tool errors and bad input exit 1, usage 2", () => {
    const echo = corral(["call", "kinds.echo", "--arg", "text=123", "--url", url]);
    assert.equal(echo.code, 0, echo.stderr);
    assert.equal(echo.stdout, "123\n"); // a string where the schema wants one
    const pairs = corral(["call", "kinds.pairs", "--json", '{"pair": ["a", 1]}', "--url", url]);
    assert.equal(pairs.code, 0, pairs.stderr);
    assert.equal(pairs.stdout, '["a",1]\n');
    const measure = corral(["call", "kinds.measure", "--arg", "n=3", "--arg", "unit=m", "--url", url]);
    assert.equal(measure.stdout, "3 m\n"); // n parsed as JSON: an integer
    const json = corral(
      ["call", "kinds.echo", "--json", '{"text": "x"}', "--arg", "text=y", "--output", "json"],
      {
        CORRAL_URL: url,
      },
    );
    assert.equal(json.code, 0);
    const body = JSON.parse(json.stdout) as { server: string; tool: string; result: unknown };
    assert.equal(body.server, "kinds");
    assert.deepEqual(body.result, { content: [{ type: "text", text: "y" }] });

    const fails = corral(["call", "kinds.fails", "--url", url]);
    assert.equal(fails.code, 1);
    assert.match(
      fails.stderr,
      /this tool always fails\ncorral call: kinds\.fails reported an error \(isError\)/,
    );
    const invalid = corral(["call", "kinds.pairs", "--json", '{"pair": [1]}', "--url", url]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /do not match its inputSchema: \/pair\/0 must be string/);
    const unavailable = corral(["call", "broken.echo", "--arg", "text=x", "--url", url]);
    assert.equal(unavailable.code, 1);
    assert.match(unavailable.stderr, /server "broken" is backoff/);
    const timeout = corral(["call", "slow.sleep", "--arg", "ms=5000", "--timeout", "300", "--url", url]);
    assert.equal(timeout.code, 1);
    assert.match(timeout.stderr, /did not answer tools\/call within 300ms/);
    const unknown = corral(["call", "kinds.nope", "--url", url]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /has no tool "nope"/);

    for (const args of [
      ["call"],
      ["call", "kinds"],
      ["call", "kinds.echo", "--json", "{"],
      ["call", "kinds.echo", "--json", "[1]"],
      ["call", "kinds.echo", "--arg", "novalue"],
      ["call", "kinds.echo", "--timeout", "soon"],
      ["call", "kinds.echo", "--output", "xml"],
    ]) {
      assert.equal(corral([...args, "--url", url]).code, 2, args.join(" "));
    }
  });

  test("logs: the tail, --json, -f following new lines until Ctrl-C", async () => {
    for (const text of ["log one", "log two"])
      corral(["call", "kinds.say", "--arg", `text=${text}`, "--url", url]);
    const tail = corral(["logs", "kinds", "--tail", "2", "--url", url]);
    assert.equal(tail.code, 0, tail.stderr);
    assert.equal(tail.stdout, "log one\nlog two\n");
    const json = corral(["logs", "kinds", "-n", "1", "--json", "--url", url]);
    const body = JSON.parse(json.stdout) as { server: string; lines: { instance: string; text: string }[] };
    assert.deepEqual(
      body.lines.map((line) => [line.instance, line.text]),
      [["kinds-1", "log two"]],
    );
    assert.equal(corral(["logs", "nope", "--url", url]).code, 1);
    assert.equal(corral(["logs", "--url", url]).code, 2);
    assert.equal(corral(["logs", "kinds", "--tail", "x", "--url", url]).code, 2);

    const follower = spawn(
      process.execPath,
      [CORRAL_BIN, "logs", "kinds", "-f", "--tail", "1", "--json", "--url", url],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => follower.once("exit", (code) => resolve(code)));
    let out = "";
    follower.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    try {
      await waitFor(() => out.includes("log two"), { what: "the tail line" });
      corral(["call", "kinds.say", "--arg", "text=log three", "--url", url]);
      await waitFor(() => out.includes("log three"), { what: "the new line" });
      const lines = out
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { text: string }).text);
      assert.deepEqual(lines, ["log two", "log three"]);
    } finally {
      follower.kill("SIGINT");
    }
    assert.equal(await exited, 0);
  });
});
