// The MCP Inspector's CLI mode (`@modelcontextprotocol/inspector-cli` 1.0.x, the last line that runs
// on Node 20) against the gateway, over Streamable HTTP and legacy SSE.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CorralRun, REPO_ROOT, runCorral } from "../helpers/corral-process.js";
import { writeNpmServersConfig } from "../helpers/npm-servers-config.js";

const INSPECTOR_BIN = join(REPO_ROOT, "node_modules", ".bin", "mcp-inspector-cli");

/**
 * Runs the inspector in its own process group (it starts a second node process) and ends the group
 * if it outlives `timeoutMs`. The working directory is a subfolder of the repo: inspector-cli 1.0.x
 * looks for `../package.json` relative to the working directory to name itself.
 */
async function runInspector(
  args: readonly string[],
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(INSPECTOR_BIN, ["--cli", ...args], {
    cwd: join(REPO_ROOT, "test"),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const timer = setTimeout(() => process.kill(-(child.pid as number), "SIGKILL"), timeoutMs);
  try {
    const code = await exited;
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    try {
      process.kill(-(child.pid as number), "SIGKILL");
    } catch {
      // The group is already gone.
    }
  }
}

describe("the MCP Inspector CLI through the gateway", () => {
  let corral: CorralRun;
  before(async () => {
    corral = await runCorral(["up", "--config", writeNpmServersConfig().path]);
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  for (const [transport, path] of [
    ["http", "mcp"],
    ["sse", "sse"],
  ] as const) {
    test(`--transport ${transport}: tools/list and tools/call echo on /servers/everything/${path}`, async () => {
      const url = `${corral.url}/servers/everything/${path}`;
      const list = await runInspector([url, "--transport", transport, "--method", "tools/list"]);
      assert.equal(list.code, 0, list.stderr);
      const names = (JSON.parse(list.stdout) as { tools: { name: string }[] }).tools.map((tool) => tool.name);
      assert.ok(names.includes("echo") && names.includes("get-sum"), names.join(", "));
      const call = await runInspector([
        url,
        "--transport",
        transport,
        "--method",
        "tools/call",
        "--tool-name",
        "echo",
        "--tool-arg",
        "message=hi",
      ]);
      assert.equal(call.code, 0, call.stderr);
      assert.deepEqual(JSON.parse(call.stdout), { content: [{ type: "text", text: "Echo: hi" }] });
    });
  }
});
