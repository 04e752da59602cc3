// `corral call` shows a tool's progress notifications on stderr while the call is still waiting,
// keeps stdout to the result (text, or clean JSON with --output json), and exits 0.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { writeConfig } from "../api/api-config.js";
import { CORRAL_BIN, type CorralRun, REPO_ROOT, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";

const PROGRESS_SERVER = fileURLToPath(new URL("./reports-progress-server.js", import.meta.url));

function startCall(args: readonly string[]) {
  const child = spawn(process.execPath, [CORRAL_BIN, "call", ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run = { child, stdout: "", stderr: "", exited: once(child, "close") };
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    run.stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    run.stderr += text;
  });
  return run;
}

describe("corral call progress", () => {
  let gateway: CorralRun;
  let dir: string;
  before(async () => {
    const config = writeConfig(() => ({ prog: { command: process.execPath, args: [PROGRESS_SERVER] } }));
    dir = config.dir;
    gateway = await runCorral(["up", "--config", config.path]);
  });
  after(async () => {
    await gateway?.[Symbol.asyncDispose]();
  });

  for (const output of ["text", "json"] as const) {
    test(`progress/total/message on stderr while the call waits; stdout only the result (--output ${output})`, async () => {
      const release = join(dir, `release-${output}`);
      const call = startCall([
        "prog.count",
        "--json",
        JSON.stringify({ steps: 3, release }),
        "--output",
        output,
        "--url",
        gateway.url,
      ]);
      try {
        await waitFor(() => call.stderr.includes("step 3\n") || call.child.exitCode !== null, {
          what: `progress from corral call; stderr:\n${call.stderr}`,
        });
        assert.equal(call.child.exitCode, null, "the call is still waiting for its answer");
        assert.equal(call.stdout, "");
        writeFileSync(release, "");
        const [code] = await call.exited;
        assert.equal(code, 0, call.stderr);
      } finally {
        call.child.kill("SIGKILL");
      }
      assert.equal(
        call.stderr,
        ["progress 1/3 (33%): step 1", "progress 2/3 (67%): step 2", "progress 3/3 (100%): step 3", ""].join(
          "\n",
        ),
      );
      if (output === "text") assert.equal(call.stdout, "counted 3\n");
      else {
        const body = JSON.parse(call.stdout) as { server: string; tool: string; result: unknown };
        assert.deepEqual([body.server, body.tool], ["prog", "count"]);
        assert.deepEqual(body.result, { content: [{ type: "text", text: "counted 3" }] });
      }
    });
  }
});
