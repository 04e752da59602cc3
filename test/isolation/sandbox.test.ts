// The bubblewrap sandbox, for real: a sandboxed fixture cannot write outside its writable folders nor
// open a TCP connection with network none; the same fixture unsandboxed can (so the test can fail).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import type { SandboxConfig } from "../../src/config/index.js";
import type { Instance } from "../../src/supervisor/index.js";
import { REPO_ROOT } from "../helpers/corral-process.js";
import { requestInstance } from "../helpers/rpc.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { startSupervised } from "../helpers/supervised.js";

const bwrapProbe = spawnSync(
  "bwrap",
  ["--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "/bin/true"],
  {
    encoding: "utf8",
  },
);
const noSandbox =
  bwrapProbe.error !== undefined
    ? `bubblewrap is not installed here (${bwrapProbe.error.message}); .ci/run installs it`
    : bwrapProbe.status !== 0
      ? `this kernel refuses bubblewrap's namespaces: ${bwrapProbe.stderr.trim()}`
      : undefined;

async function outcome(instance: Instance, tool: string, args: Record<string, unknown>): Promise<string> {
  const answer = await requestInstance(instance, "tools/call", { name: tool, arguments: args });
  const text = (answer.result as { content: { text: string }[] }).content[0]?.text ?? "{}";
  return String((JSON.parse(text) as { outcome: unknown }).outcome);
}

describe("sandbox (bubblewrap)", { skip: noSandbox }, () => {
  let folder: string;
  let listener: Server;
  let port: number;

  before(async () => {
    // Not below /tmp: the sandbox's /tmp is private, so a folder there would just be absent inside.
    folder = mkdtempSync(join("/var/tmp", "corral-sandbox-"));
    for (const name of ["writable", "elsewhere"]) spawnSync("mkdir", [join(folder, name)]);
    listener = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    port = (listener.address() as { port: number }).port;
  });
  after(() => {
    listener.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const sandbox = (): SandboxConfig => ({
    network: "none",
    // The checkout may itself live below /tmp (a CI clone), which the private /tmp would hide: the
    // fixture and its cwd must stay visible, as any server's own files must.
    readOnly: [resolve(REPO_ROOT)],
    writable: [join(folder, "writable")],
    tmp: "private",
  });

  test("sandboxed: writes only in its writable folders, no TCP with network none; unsandboxed: both", async () => {
    await using run = await startSupervised([
      fixtureServer("boxed", "abuses-host", [], { ...FAST, sandbox: sandbox() }),
      fixtureServer("free", "abuses-host", [], FAST),
    ]);
    await run.waitForTransition((t) => t.server === "boxed" && t.to === "ready");
    await run.waitForTransition((t) => t.server === "free" && t.to === "ready");
    const [boxed] = run.supervisor.getInstances("boxed");
    const [free] = run.supervisor.getInstances("free");
    assert.ok(boxed && free);

    assert.equal(await outcome(boxed, "write", { path: join(folder, "writable", "in.txt") }), "ok");
    assert.ok(existsSync(join(folder, "writable", "in.txt")), "the writable folder is the host's");
    assert.equal(await outcome(boxed, "write", { path: join(folder, "elsewhere", "out.txt") }), "EROFS");
    assert.equal(await outcome(boxed, "write", { path: join(REPO_ROOT, "sandbox-escape.txt") }), "EROFS");
    assert.equal(await outcome(boxed, "write", { path: "/tmp/private.txt" }), "ok");
    assert.equal(existsSync("/tmp/private.txt"), false, "/tmp inside the sandbox is private");
    assert.match(
      await outcome(boxed, "connect", { host: "127.0.0.1", port }),
      /^(ENETUNREACH|ECONNREFUSED|EACCES)$/,
    );

    assert.equal(await outcome(free, "write", { path: join(folder, "elsewhere", "out.txt") }), "ok");
    assert.equal(await outcome(free, "connect", { host: "127.0.0.1", port }), "connected");
  });

  test("network host keeps the host's network inside the sandbox", async () => {
    await using run = await startSupervised([
      fixtureServer("net", "abuses-host", [], { ...FAST, sandbox: { ...sandbox(), network: "host" } }),
    ]);
    await run.waitForTransition((t) => t.to === "ready");
    const [net] = run.supervisor.getInstances("net");
    assert.ok(net);
    assert.equal(await outcome(net, "connect", { host: "127.0.0.1", port }), "connected");
  });

  test("the stop ladder's SIGTERM reaches the sandboxed server (bwrap does not swallow it)", async () => {
    await using run = await startSupervised([
      fixtureServer("term", "ignores-stdin-eof", [], { ...FAST, sandbox: sandbox() }),
    ]);
    await run.waitForTransition((t) => t.to === "ready");
    await run.supervisor.stopServer("term");
    const stopped = await run.waitForTransition((t) => t.to === "stopped");
    assert.match(stopped.reason, /exited on SIGTERM in /);
  });

  test("a missing bwrap is a clear error naming the package, and nothing starts", async () => {
    await using run = await startSupervised(
      [fixtureServer("boxed", "healthy", [], { ...FAST, sandbox: sandbox() })],
      { gatewayEnv: { PATH: join(folder, "no-such-bin") } },
    );
    const failed = await run.waitForTransition((t) => t.to === "failed");
    assert.match(
      failed.reason,
      /^server "boxed" asks for a sandbox, but bubblewrap \("bwrap"\) is not installed \(PATH=.*\); install the "bubblewrap" package/,
    );
    assert.deepEqual(run.trackedProcesses(), []);
  });

  test("a writable folder that does not exist is named in the error", async () => {
    await using run = await startSupervised([
      fixtureServer("boxed", "healthy", [], {
        ...FAST,
        sandbox: { ...sandbox(), writable: [join(folder, "missing")] },
      }),
    ]);
    const backoff = await run.waitForTransition((t) => t.to === "backoff" || t.to === "failed");
    assert.match(
      backoff.reason,
      /sandbox\.writable of server "boxed" names ".*\/missing", which does not exist/,
    );
  });
});
