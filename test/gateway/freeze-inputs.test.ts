// Inputs that froze the gateway when server-supplied templates and patterns ran on backtracking
// regexes: a 300-character resources/read against `x://{a}{b}{c}{d}{e}!`, and tool arguments against
// `pattern: ^(a+)+$` / `patternProperties: ^x(y+)+$` through REST execute and `corral call`. Each
// answers in under 50 ms while /healthz, polled the whole time, keeps answering.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { loadArgumentValidator, type ToolView } from "../../src/api/index.js";
import { fixtureServer, post, writeConfig } from "../api/api-config.js";
import { CORRAL_BIN, type CorralRun, REPO_ROOT, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient } from "../helpers/mcp-http.js";
import { waitFor } from "../helpers/wait.js";

const LIMIT_MS = 50;
/** A backtracking engine needs about 2^n steps for these: hours at 40. */
const AS = "a".repeat(40);

/** Polls /healthz back to back until stopped; records how long each answer took. */
function pollHealth(url: string) {
  const durations: number[] = [];
  const failures: string[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const start = performance.now();
      try {
        const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        if (response.status !== 200) failures.push(`status ${response.status}`);
      } catch (error) {
        failures.push(String(error));
      }
      durations.push(performance.now() - start);
    }
  })();
  return {
    /** Stops polling (again, harmlessly) and hands over what was seen. */
    async stop() {
      running = false;
      await done;
      return { durations, failures };
    },
  };
}

/** Without the fix these would not come back for hours: a failure should come in seconds. */
const giveUp = () => ({ signal: AbortSignal.timeout(5_000) });

function execute(url: string, args: Record<string, unknown>) {
  return fetch(`${url}/api/v1/mcp/execute`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ server: "worst", tool: "match", arguments: args }),
    ...giveUp(),
  }).then(async (response) => ({ status: response.status, text: await response.text() }));
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start };
}

describe("one request cannot freeze the gateway", () => {
  let corral: CorralRun;
  let client: McpHttpClient;

  before(async () => {
    const { path } = writeConfig(() => ({ worst: fixtureServer("offers-catastrophic-patterns") }));
    corral = await runCorral(["up", "--config", path]);
    client = await McpHttpClient.connect(`${corral.url}/mcp`);
    await waitFor(
      async () => {
        const answer = await client.request("resources/templates/list", {});
        const templates = (answer.result as { resourceTemplates?: unknown[] } | undefined)?.resourceTemplates;
        return (templates?.length ?? 0) > 0;
      },
      { what: "the template in the catalog" },
    );
    // Warm-up: the validator loads on first use, and the first read warms the path; neither is measured.
    await client.request("resources/read", { uri: "x://warm!" });
    const warm = await post(`${corral.url}/api/v1/mcp/execute`, {
      server: "worst",
      tool: "match",
      arguments: { text: "aaa" },
    });
    assert.equal(warm.status, 200, JSON.stringify(warm.body));
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  async function underLimit<T>(what: string, run: () => Promise<T>): Promise<T> {
    const health = pollHealth(corral.url);
    // Let the poller's first request reach the gateway, so it is waiting alongside the call.
    await new Promise((resolve) => setImmediate(resolve));
    let measured: { value: T; ms: number };
    try {
      measured = await timed(run);
    } finally {
      await health.stop();
    }
    const { value, ms } = measured;
    const { durations, failures } = await health.stop();
    assert.ok(ms < LIMIT_MS, `${what} took ${ms.toFixed(1)} ms`);
    assert.deepEqual(failures, [], `/healthz failed during ${what}`);
    assert.ok(durations.length > 0, "/healthz was polled");
    assert.ok(Math.max(...durations) < 1_000, `/healthz took up to ${Math.max(...durations).toFixed(0)} ms`);
    return value;
  }

  test("resources/read of 300 characters against x://{a}{b}{c}{d}{e}!", async () => {
    const miss = await underLimit("a URI the template cannot match", () =>
      client.request("resources/read", { uri: `x://${"a".repeat(300)}` }, giveUp()),
    );
    assert.equal(miss.error?.code, -32002, JSON.stringify(miss));
    const hit = await underLimit("a URI the template matches", () =>
      client.request("resources/read", { uri: `x://${"a".repeat(300)}!` }, giveUp()),
    );
    assert.equal(hit.error, undefined, JSON.stringify(hit));
  });

  test("REST execute: pattern ^(a+)+$ and patternProperties ^x(y+)+$", async () => {
    const answer = await underLimit("execute with 40 a's and a '!'", () =>
      execute(corral.url, { text: `${AS}!` }),
    );
    assert.equal(answer.status, 400, answer.text);
    assert.match(answer.text, /must match pattern/);
    const key = await underLimit("execute with a 40-character key", () =>
      execute(corral.url, { [`x${"y".repeat(40)}!`]: "not checked: the key does not match" }),
    );
    assert.equal(key.status, 200, key.text);
  });

  test("corral call: its validator answers at once, and the command fails fast", async () => {
    const { tools } = (await (
      await fetch(`${corral.url}/api/v1/mcp/tools?server=worst`, giveUp())
    ).json()) as {
      tools: ToolView[];
    };
    const tool = tools.find((candidate) => candidate.name === "match");
    assert.ok(tool !== undefined, JSON.stringify(tools));
    const check = await loadArgumentValidator();
    check(tool.inputSchema, { text: "aaa" }); // loading and compiling are not what is measured
    for (const length of [20, 25, 30]) {
      const text = `${"a".repeat(length)}!`;
      const start = performance.now();
      const verdict = check(tool.inputSchema, { text });
      const ms = performance.now() - start;
      assert.equal(verdict.ok, false);
      assert.ok(ms < LIMIT_MS, `the validator took ${ms.toFixed(1)} ms at ${length} characters`);
    }
    const run = spawn(
      process.execPath,
      [CORRAL_BIN, "call", "worst.match", "--url", corral.url, "--json", JSON.stringify({ text: `${AS}!` })],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    run.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const deadline = setTimeout(() => run.kill("SIGKILL"), 20_000);
    const code = await new Promise<number | null>((resolve) => run.on("close", resolve));
    clearTimeout(deadline);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /must match pattern/);
  });
});
