// `corral up` as a real process: the bundled example, the state-dir lock, crash isolation, a busy
// port, SIGHUP and a terminal that closes under it.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { isProcessAlive, listDescendants } from "../../src/platform/index.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { CORRAL_BIN, getJson, REPO_ROOT, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";

type ServersBody = { servers: ServerView[] };

const HAS_SCRIPT = spawnSync("script", ["--version"]).status === 0;

// Runs corral up as its child, ignoring SIGHUP itself, and writes corral's PID and later its exit
// ("<code> <signal>") to files: corral's own parent is gone with the terminal in the test below.
const EXIT_RECORDER = `
const { spawn } = require("node:child_process");
const { writeFileSync } = require("node:fs");
process.on("SIGHUP", () => {});
const [bin, exitFile, ...args] = process.argv.slice(2);
const child = spawn(process.execPath, [bin, ...args], { stdio: "inherit" });
writeFileSync(exitFile + ".pid", String(child.pid));
child.on("exit", (code, signal) => writeFileSync(exitFile, code + " " + signal));
`;

describe("corral up", () => {
  test("the bundled example brings every server to ready; SIGINT exits 0 in under 10 s with 0 processes left", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "corral-example-"));
    await using corral = await runCorral(["up", "--port", "0", "--state-dir", stateDir]);
    assert.match(corral.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(corral.stdout.trim().split("\n").length, 1, "exactly one line on stdout");
    const { servers } = await getJson<ServersBody>(`${corral.url}/api/v1/mcp/servers`);
    assert.deepEqual(servers.map((server) => server.name).sort(), [
      "everything",
      "filesystem",
      "memory",
      "sequential-thinking",
    ]);
    for (const server of servers) {
      assert.equal(server.state, "ready", `${server.name}: ${server.reason}`);
      assert.equal(server.instances.length, 1);
      assert.ok((server.instances[0]?.memoryBytes ?? 0) > 1_000_000, `${server.name} memory`);
    }
    for (const name of ["everything", "memory", "filesystem", "sequential-thinking"]) {
      assert.match(corral.stderr, new RegExp(`ready +${name} +[\\d.]+m?s +pid \\d+`));
    }
    corral.sample();
    assert.ok(corral.seen.size >= 4, "server processes were seen");
    const exit = await corral.stop("SIGINT");
    assert.equal(exit.code, 0);
    assert.ok(exit.ms < 10_000, `exit took ${exit.ms}ms`);
    await waitFor(() => corral.survivors().length === 0, { timeoutMs: 2_000, what: "no survivors" });
  });

  test("a second corral up on the same state dir exits non-zero and names the holder's PID", async () => {
    const { path } = writeFixtureConfig({ ok: { fixture: "healthy" } });
    await using first = await runCorral(["up", "--config", path]);
    await using second = await runCorral(["up", "--config", path], { waitForListening: false });
    const exit = await second.exited;
    assert.equal(exit.code, 1);
    assert.match(second.stderr, new RegExp(`is in use by corral PID ${first.pid}\\b`));
    assert.equal(second.stdout, "");
    // The first one is untouched.
    const { servers } = await getJson<ServersBody>(`${first.url}/api/v1/mcp/servers`);
    assert.equal(servers[0]?.state, "ready");
  });

  test("crashing and garbage-writing servers never affect the gateway or other servers", async () => {
    const fast = {
      restart: { initialDelay: "50ms", maxDelay: "200ms" },
      stop: { stdinGrace: "200ms", termGrace: "200ms" },
    };
    const { path } = writeFixtureConfig({
      steady: { fixture: "healthy", extra: fast },
      crashes: { fixture: "crash-on-start", extra: fast },
      garbage: { fixture: "writes-garbage-to-stdout", extra: fast },
      flood: { fixture: "floods-stderr", args: ["1000"], extra: fast },
    });
    await using corral = await runCorral(["up", "--config", path]);
    const before = await getJson<ServersBody>(`${corral.url}/api/v1/mcp/servers`);
    const steadyPid = before.servers.find((server) => server.name === "steady")?.instances[0]?.pid;
    assert.ok(typeof steadyPid === "number");
    await waitFor(
      async () =>
        (await getJson<ServersBody>(`${corral.url}/api/v1/mcp/servers`)).servers.find(
          (s) => s.name === "crashes",
        )?.state === "failed",
      { what: "the crashing server to be failed", timeoutMs: 15_000 },
    );
    const after = await getJson<ServersBody>(`${corral.url}/api/v1/mcp/servers`);
    const byName = new Map(after.servers.map((server) => [server.name, server]));
    assert.equal(byName.get("steady")?.state, "ready");
    assert.equal(
      byName.get("steady")?.instances[0]?.pid,
      steadyPid,
      "the healthy server was never restarted",
    );
    assert.equal(byName.get("steady")?.instances[0]?.restarts, 0);
    assert.equal(byName.get("garbage")?.state, "ready");
    assert.equal(byName.get("flood")?.state, "ready");
    assert.match(byName.get("crashes")?.reason ?? "", /^crash loop: 5 starts in a row ended before ready/);
    const health = await fetch(`${corral.url}/healthz`);
    assert.equal(health.status, 200);
    const exit = await corral.stop();
    assert.equal(exit.code, 0);
  });

  test("a busy port fails fast, naming the holder's PID, before any server is started", async () => {
    const holder = createServer();
    holder.listen(0, "127.0.0.1");
    await once(holder, "listening");
    try {
      const { port } = holder.address() as { port: number };
      const { dir, path } = writeFixtureConfig({
        marker: { fixture: "counts-starts", args: (folder) => [join(folder, "started")] },
      });
      const startedAt = Date.now();
      await using corral = await runCorral(["up", "--config", path, "--port", String(port)], {
        waitForListening: false,
      });
      const exit = await corral.exited;
      assert.equal(exit.code, 1, corral.stderr);
      assert.ok(Date.now() - startedAt < 10_000, `exit took ${Date.now() - startedAt}ms`);
      assert.match(
        corral.stderr,
        new RegExp(
          `port ${port} on 127\\.0\\.0\\.1 is in use \\(by PID ${process.pid}, node\\); pass --port or stop it`,
        ),
      );
      assert.equal(corral.stdout, "");
      assert.equal(existsSync(join(dir, "started")), false, "no server was started");
    } finally {
      holder.close();
    }
  });

  test("SIGHUP is logged and ignored: the gateway keeps answering, then SIGTERM drains and exits 0", async () => {
    const { path } = writeFixtureConfig({ ok: { fixture: "healthy" } });
    await using corral = await runCorral(["up", "--config", path]);
    corral.child.kill("SIGHUP");
    await waitFor(
      () => /SIGHUP received: ignored; config reload comes with `corral apply`/.test(corral.stderr),
      {
        what: "the SIGHUP log line",
      },
    );
    const { servers } = await getJson<ServersBody>(`${corral.url}/api/v1/mcp/servers`);
    assert.equal(servers[0]?.state, "ready");
    assert.equal((await fetch(`${corral.url}/healthz`)).status, 200);
    const exit = await corral.stop("SIGTERM");
    assert.deepEqual([exit.code, exit.signal], [0, null]);
    assert.match(corral.stderr, /stopped/);
  });

  test("a terminal that closes under corral up: it keeps serving, then SIGTERM drains and exits 0", {
    skip: HAS_SCRIPT ? false : "no script(1) here to give corral a terminal",
  }, async () => {
    const { dir, path } = writeFixtureConfig({ ok: { fixture: "healthy" } });
    const recorder = join(dir, "exit-recorder.cjs");
    const exitFile = join(dir, "exit");
    writeFileSync(recorder, EXIT_RECORDER);
    const command = [process.execPath, recorder, CORRAL_BIN, exitFile, "up", "--config", path]
      .map((word) => `'${word}'`)
      .join(" ");
    // script(1) gives the command a pseudo-terminal; killing script closes it, as closing a window does.
    const terminal = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd: REPO_ROOT,
      stdio: ["pipe", "pipe", "ignore"],
    });
    let shown = "";
    terminal.stdout.setEncoding("utf8").on("data", (text: string) => {
      shown += text;
    });
    let corralPid: number | undefined;
    const seen = new Map<number, string>();
    try {
      const url = await waitFor(() => /corral listening on (http:\/\/\S+)\r?\n/.exec(shown)?.[1], {
        what: `corral listening in the terminal:\n${shown}`,
        timeoutMs: 60_000,
      });
      corralPid = Number(readFileSync(`${exitFile}.pid`, "utf8"));
      for (const stat of listDescendants(corralPid)) seen.set(stat.pid, stat.startTime);
      terminal.kill("SIGKILL");
      await once(terminal, "exit");

      // Writing to the dead terminal is what killed it: restarting a server makes it log.
      const restart = await fetch(`${url}/api/v1/mcp/servers/ok/restart`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(restart.status, 202);
      await waitFor(
        async () => (await getJson<ServersBody>(`${url}/api/v1/mcp/servers`)).servers[0]?.state === "ready",
        { what: "ok ready again" },
      );
      for (const stat of listDescendants(corralPid)) seen.set(stat.pid, stat.startTime);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      assert.equal(existsSync(exitFile), false, "corral is still running");

      process.kill(corralPid, "SIGTERM");
      const exit = await waitFor(() => existsSync(exitFile) && readFileSync(exitFile, "utf8"), {
        what: "corral to exit",
      });
      assert.equal(exit, "0 null");
    } finally {
      terminal.kill("SIGKILL");
      for (const [pid, startTime] of [
        ...(corralPid === undefined ? [] : [[corralPid, undefined] as const]),
        ...seen,
      ]) {
        if (isProcessAlive(pid, startTime)) process.kill(pid, "SIGKILL");
      }
    }
    await waitFor(() => [...seen].every(([pid, startTime]) => !isProcessAlive(pid, startTime)), {
      what: "corral's servers to be gone",
    });
  });
});
