// `corral up` as a real process: the bundled example, the state-dir lock, and crash isolation.
import assert from "node:assert/strict";
import { once } from "node:events";
import { existsSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { getJson, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";

type ServersBody = { servers: ServerView[] };

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
    assert.match(byName.get("crashes")?.reason ?? "", /^crash loop: 5 failures in a row/);
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
});
