// A server's stderr carries escape sequences (window title, colours, OSC 52 clipboard, CR, DEL, C1):
// none reaches a terminal raw through the gateway's log, `corral logs` or `corral ps`; each shows as a
// visible \uXXXX escape, and --json output still decodes to the server's exact text.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { fixtureServer, post, writeConfig } from "../api/api-config.js";
import { CORRAL_BIN, type CorralRun, REPO_ROOT, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";

const HOSTILE = "\u001b]0;pwned\u0007\u001b[31mred\u001b]52;c;Zm9v\u0007\rover\u007fdel\u009b2Jc1";
/** Any control character but newline and tab: what must never reach a terminal raw. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters that must not appear
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function corral(args: string[]) {
  const result = spawnSync(process.execPath, [CORRAL_BIN, ...args], { cwd: REPO_ROOT, encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("server output reaches terminals escaped", () => {
  let gateway: CorralRun;

  before(async () => {
    const crash = `process.stderr.write(${JSON.stringify(`${HOSTILE}\n`)}); process.exit(1)`;
    const { path } = writeConfig(() => ({
      kinds: fixtureServer("tool-kinds"),
      crashy: { command: process.execPath, args: ["-e", crash], restart: { initialDelay: "1m" } },
    }));
    gateway = await runCorral(["up", "--config", path]);
    await waitFor(
      async () => {
        const answer = await post(`${gateway.url}/api/v1/mcp/execute`, {
          server: "kinds",
          tool: "say",
          arguments: { text: HOSTILE },
        });
        return answer.status === 200;
      },
      { what: "kinds said the hostile line" },
    );
  });
  after(async () => {
    await gateway?.[Symbol.asyncDispose]();
  });

  test("corral logs: text escaped, --json the exact text", () => {
    const text = corral(["logs", "kinds", "--url", gateway.url]);
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout, RAW_CONTROL);
    assert.ok(text.stdout.includes("\\u001b]0;pwned\\u0007\\u001b[31mred"), text.stdout);
    assert.ok(text.stdout.includes("\\u000dover\\u007fdel\\u009b2J"), text.stdout);
    const json = corral(["logs", "kinds", "--json", "--url", gateway.url]);
    assert.equal(json.code, 0, json.stderr);
    assert.doesNotMatch(json.stdout, RAW_CONTROL);
    const body = JSON.parse(json.stdout) as { lines: { text: string }[] };
    assert.ok(
      body.lines.some((line) => line.text === HOSTILE),
      "the JSON decodes to the server's own text",
    );
  });

  test("corral ps: the reason quoting the last stderr line is escaped", async () => {
    const ps = await waitFor(
      () => {
        const run = corral(["ps", "--url", gateway.url]);
        return run.stdout.includes("pwned") ? run : undefined;
      },
      { what: "crashy's reason in ps" },
    );
    assert.doesNotMatch(ps.stdout, RAW_CONTROL);
    assert.match(ps.stdout, /crashy.*\\u001b\]0;pwned/);
    const json = corral(["ps", "--json", "--url", gateway.url]);
    assert.doesNotMatch(json.stdout, RAW_CONTROL);
    assert.ok(json.stdout.includes("pwned"));
  });

  test("the gateway's own log shows the stderr line escaped, on one line", async () => {
    await waitFor(() => gateway.stderr.includes("pwned"), { what: "the stderr line in the gateway log" });
    assert.doesNotMatch(gateway.stderr, RAW_CONTROL);
    const line = gateway.stderr
      .split("\n")
      .find((candidate) => candidate.includes("[kinds]") && candidate.includes("pwned"));
    assert.ok(line?.includes("\\u000dover"), line);
  });
});
