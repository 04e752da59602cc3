// The bubblewrap sandbox, for real and as the gateway's user (root here, where root matters): a
// sandboxed fixture cannot write outside its writable folders, open a TCP connection with network
// none, keep a capability, remount, read a hidden host file or reach a host unix socket; the same
// fixture unsandboxed can (so each test can fail), and real npm servers still run inside.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import type { SandboxConfig } from "../../src/config/index.js";
import type { Instance } from "../../src/supervisor/index.js";
import type { FixtureName } from "../fixtures/fixture-path.js";
import { REPO_ROOT } from "../helpers/corral-process.js";
import { requestInstance } from "../helpers/rpc.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { startSupervised } from "../helpers/supervised.js";

/**
 * The same fixture twice, sandboxed ("boxed") and not ("free"), both ready: what the sandbox stops
 * must still work unsandboxed, or the test could not fail.
 */
async function startBoxedAndFree(
  fixture: FixtureName,
  boxedSandbox: SandboxConfig,
): Promise<{ boxed: Instance; free: Instance } & AsyncDisposable> {
  const run = await startSupervised([
    fixtureServer("boxed", fixture, [], { ...FAST, sandbox: boxedSandbox }),
    fixtureServer("free", fixture, [], FAST),
  ]);
  await run.waitForTransition((t) => t.server === "boxed" && t.to === "ready");
  await run.waitForTransition((t) => t.server === "free" && t.to === "ready");
  const [boxed] = run.supervisor.getInstances("boxed");
  const [free] = run.supervisor.getInstances("free");
  assert.ok(boxed && free);
  return { boxed, free, [Symbol.asyncDispose]: () => run[Symbol.asyncDispose]() };
}

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

async function answer(
  instance: Instance,
  tool: string,
  args: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const reply = await requestInstance(instance, "tools/call", { name: tool, arguments: args });
  const text = (reply.result as { content: { text: string }[] } | undefined)?.content[0]?.text ?? "{}";
  return JSON.parse(text) as Record<string, unknown>;
}

async function outcome(
  instance: Instance,
  tool: string,
  args: Record<string, unknown> = {},
): Promise<string> {
  return String((await answer(instance, tool, args)).outcome);
}

/** A unix socket listening at `path` on the host, closed and removed by the returned disposer. */
async function listenUnix(path: string): Promise<AsyncDisposable> {
  rmSync(path, { force: true });
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    [Symbol.asyncDispose]: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(path, { force: true });
    },
  };
}

describe("sandbox (bubblewrap)", { skip: noSandbox }, () => {
  let folder: string;
  let listener: Server;
  let port: number;

  before(async () => {
    // Not below /tmp: the sandbox's /tmp is private, so a folder there would just be absent inside.
    folder = mkdtempSync(join("/var/tmp", "corral-sandbox-"));
    for (const name of ["writable", "elsewhere", "readable"]) mkdirSync(join(folder, name));
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
    readable: [],
    // The checkout may itself live below /tmp (a CI clone), which the private /tmp would hide: the
    // fixture and its cwd must stay visible, as any server's own files must.
    readOnly: [resolve(REPO_ROOT)],
    writable: [join(folder, "writable")],
    tmp: "private",
  });

  test("sandboxed: writes only in its writable folders, no TCP with network none; unsandboxed: both", async () => {
    await using pair = await startBoxedAndFree("abuses-host", sandbox());
    const { boxed, free } = pair;

    assert.equal(await outcome(boxed, "write", { path: join(folder, "writable", "in.txt") }), "ok");
    assert.ok(existsSync(join(folder, "writable", "in.txt")), "the writable folder is the host's");
    // Not listed: hidden, so not even there to write to; the checkout is shown read-only.
    assert.equal(await outcome(boxed, "write", { path: join(folder, "elsewhere", "out.txt") }), "ENOENT");
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
  /** Only what the server is and where it runs: the checkout is shown because the fixture lives in it. */
  const bare = (more: Partial<SandboxConfig> = {}): SandboxConfig => ({
    network: "none",
    readable: [],
    readOnly: [],
    writable: [join(folder, "writable")],
    tmp: "private",
    ...more,
  });

  test("no capability is left, the root cannot be remounted read-write (even for a root gateway), own session", async () => {
    await using pair = await startBoxedAndFree("peeks-at-host", bare());
    const { boxed, free } = pair;

    const inside = await answer(boxed, "capabilities");
    assert.equal(inside.capEff, "0000000000000000", "no effective capability");
    assert.equal(inside.capBnd, "0000000000000000", "none to regain through exec either");
    assert.equal(
      inside.sessionLeader,
      true,
      "a session of its own, away from the gateway's terminal and group",
    );
    assert.match(await outcome(boxed, "remount"), /^exit [1-9]/);
    assert.equal(await outcome(boxed, "write", { path: join(REPO_ROOT, "sandbox-escape.txt") }), "EROFS");
    assert.equal(existsSync(join(REPO_ROOT, "sandbox-escape.txt")), false);
    assert.equal(
      await outcome(boxed, "write", { path: "/sandbox-root.txt" }),
      "EROFS",
      "its root is read-only",
    );

    if (process.geteuid?.() === 0) {
      // The same fixture outside the sandbox has root's capabilities: the check above can fail.
      assert.notEqual((await answer(free, "capabilities")).capEff, "0000000000000000");
    }
  });

  test("the host is hidden unless readable: 0600 files, /etc secrets, the state dir", async () => {
    const secret = join(folder, "elsewhere", "secret.txt");
    writeFileSync(secret, "host secret\n");
    chmodSync(secret, 0o600);
    const shown = join(folder, "readable", "shown.txt");
    writeFileSync(shown, "for the server\n");
    chmodSync(shown, 0o600);
    // The state dir inside a readable folder: still hidden, as it holds other servers' records.
    const stateDir = join(folder, "readable", "state");
    mkdirSync(stateDir);
    await using run = await startSupervised(
      [
        fixtureServer("boxed", "peeks-at-host", [], {
          ...FAST,
          sandbox: bare({ readable: [join(folder, "readable")] }),
        }),
        fixtureServer("free", "peeks-at-host", [], FAST),
      ],
      { stateDir },
    );
    await run.waitForTransition((t) => t.server === "boxed" && t.to === "ready");
    await run.waitForTransition((t) => t.server === "free" && t.to === "ready");
    const [boxed] = run.supervisor.getInstances("boxed");
    const [free] = run.supervisor.getInstances("free");
    assert.ok(boxed && free);
    const stateFile = join(stateDir, "corral.pid");
    writeFileSync(stateFile, "state\n");

    assert.equal(await outcome(free, "read", { path: secret }), "ok");
    assert.equal(await outcome(boxed, "read", { path: secret }), "ENOENT");
    assert.equal(await outcome(boxed, "stat", { path: join(folder, "elsewhere") }), "ENOENT");
    assert.equal(await outcome(boxed, "read", { path: shown }), "ok");
    assert.equal(await outcome(boxed, "write", { path: shown }), "EROFS", "readable is read-only");
    assert.equal(await outcome(boxed, "write", { path: join(folder, "writable", "out.txt") }), "ok");
    assert.equal(await outcome(free, "read", { path: stateFile }), "ok");
    assert.equal(await outcome(boxed, "read", { path: stateFile }), "ENOENT");

    // System folders stay readable; what /etc keeps from other users is masked (a device node the
    // sandbox may not open; it would read as empty where bwrap makes no user namespace).
    assert.equal(await outcome(boxed, "read", { path: "/etc/passwd" }), "ok");
    const shadow = await answer(boxed, "read", { path: "/etc/shadow" });
    assert.ok(
      shadow.outcome !== "ok" || shadow.bytes === 0,
      `/etc/shadow is masked: ${JSON.stringify(shadow)}`,
    );
    if (process.geteuid?.() === 0 && existsSync("/etc/shadow")) {
      assert.ok(Number((await answer(free, "read", { path: "/etc/shadow" })).bytes) > 0);
    }
    for (const path of ["/root", "/run", "/var/run", "/home"]) {
      assert.equal(await outcome(boxed, "stat", { path }), "ENOENT", path);
    }
  });

  test("host unix sockets cannot be reached, even with network none (Docker, D-Bus)", async () => {
    mkdirSync("/run/corral-sandbox-test", { recursive: true });
    const paths = [
      join("/run/corral-sandbox-test", `${process.pid}.sock`),
      join(folder, "elsewhere", "host.sock"),
      join("/tmp", `corral-sandbox-test-${process.pid}.sock`),
    ];
    const sockets = await Promise.all(paths.map(listenUnix));
    try {
      await using pair = await startBoxedAndFree("peeks-at-host", bare());
      const { boxed, free } = pair;
      for (const path of paths) {
        assert.equal(await outcome(free, "connect-unix", { path }), "connected", path);
        assert.equal(await outcome(boxed, "connect-unix", { path }), "ENOENT", path);
      }
      for (const path of ["/var/run/docker.sock", "/run/docker.sock", "/run/dbus/system_bus_socket"]) {
        assert.equal(await outcome(boxed, "stat", { path }), "ENOENT", path);
      }
    } finally {
      for (const socket of sockets) await socket[Symbol.asyncDispose]();
      rmSync("/run/corral-sandbox-test", { recursive: true, force: true });
    }
  });

  test("real npm servers run sandboxed and answer a tool call (filesystem, memory)", async () => {
    const data = join(folder, "writable");
    const bin = (name: string) => join(REPO_ROOT, "node_modules", ".bin", name);
    // cwd outside the checkout: the servers' own files are shown because they are theirs.
    const cwd = join(folder, "readable");
    const npm = (name: string, command: string, args: string[], env: Record<string, string> = {}) => ({
      ...fixtureServer(name, "healthy", [], { ...FAST, sandbox: bare() }),
      command,
      args,
      cwd,
      env,
      startupTimeoutMs: 20_000,
    });
    await using run = await startSupervised([
      npm("files", bin("mcp-server-filesystem"), [data]),
      npm("memory", bin("mcp-server-memory"), [], { MEMORY_FILE_PATH: join(data, "memory.jsonl") }),
    ]);
    await run.waitForTransition((t) => t.server === "files" && t.to === "ready", { timeoutMs: 30_000 });
    await run.waitForTransition((t) => t.server === "memory" && t.to === "ready", { timeoutMs: 30_000 });
    const [files] = run.supervisor.getInstances("files");
    const [memory] = run.supervisor.getInstances("memory");
    assert.ok(files && memory);

    const written = await requestInstance(files, "tools/call", {
      name: "write_file",
      arguments: { path: join(data, "note.txt"), content: "from the sandbox" },
    });
    assert.equal((written as { result?: { isError?: boolean } }).result?.isError ?? false, false);
    assert.equal(readFileSync(join(data, "note.txt"), "utf8"), "from the sandbox");

    const created = await requestInstance(memory, "tools/call", {
      name: "create_entities",
      arguments: { entities: [{ name: "corral", entityType: "project", observations: ["sandboxed"] }] },
    });
    assert.equal((created as { result?: { isError?: boolean } }).result?.isError ?? false, false);
    assert.match(readFileSync(join(data, "memory.jsonl"), "utf8"), /"name":"corral"/);
  });

  test("as root, a bwrap that cannot make a user namespace is refused with a clear reason", async (t) => {
    if (process.geteuid?.() !== 0)
      return t.skip("only a root gateway refuses (a normal user gets bwrap's own user namespace)");
    const realBwrap = spawnSync("sh", ["-c", "command -v bwrap"], { encoding: "utf8" }).stdout.trim();
    const fakeBin = join(folder, "fake-bin");
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(
      join(fakeBin, "bwrap"),
      `#!/bin/sh\nfor a; do [ "$a" = --unshare-user ] && { echo "bwrap: No permissions to create new namespace" >&2; exit 1; }; done\nexec ${realBwrap} "$@"\n`,
    );
    chmodSync(join(fakeBin, "bwrap"), 0o755);
    await using run = await startSupervised(
      [fixtureServer("boxed", "healthy", [], { ...FAST, sandbox: bare() })],
      { gatewayEnv: { PATH: `${fakeBin}:/usr/bin:/bin` } },
    );
    const failed = await run.waitForTransition((t) => t.to === "failed");
    assert.match(
      failed.reason,
      /^server "boxed" asks for a sandbox, but bubblewrap cannot create a user namespace here \(bwrap: No permissions to create new namespace\); Corral runs as root/,
    );
    assert.deepEqual(run.trackedProcesses(), []);
  });
});
