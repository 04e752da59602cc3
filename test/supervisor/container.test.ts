// runtime: container. The pure parts (attach-frame demultiplexing, request bodies, image references,
// socket resolution, exit reasons) and the no-engine behaviour are tested everywhere. The rest needs a
// real Docker engine (.ci/run starts one): those tests skip, printing why, when none answers a ping
// within 1 s. Their image is imported from this host's node (test/helpers/docker-image.ts): no registry.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, type TestContext, test } from "node:test";
import { parseConfigText, type ServerConfig } from "../../src/config/index.js";
import { CorralError, isCorralError } from "../../src/core/index.js";
import {
  buildCreateBody,
  chooseContainerUser,
  createDockerEngine,
  type DockerEngine,
  type DockerStream,
  FrameDemuxer,
  findMissingBaseline,
  findUnappliedLimits,
  isRootUser,
  LABEL_GATEWAY,
  LABEL_INSTANCE,
  LABEL_MANAGED,
  labelFilter,
  resolveDockerSocket,
  splitImageReference,
} from "../../src/platform/index.js";
import { buildContainerEnv, computeGatewayKey, describeContainerExit } from "../../src/supervisor/index.js";
import { importNodeImage, type TestImage } from "../helpers/docker-image.js";
import { callEcho, requestInstance } from "../helpers/rpc.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { type Supervised, startSupervised } from "../helpers/supervised.js";
import { waitFor } from "../helpers/wait.js";

function frame(type: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function demux(chunks: readonly Buffer[]): { stream: DockerStream; text: string }[] {
  const out: { stream: DockerStream; text: string }[] = [];
  const demuxer = new FrameDemuxer({
    onData: (stream, payload) => {
      const last = out.at(-1);
      // Payloads may arrive in pieces; join consecutive pieces of one stream for the comparison.
      if (last !== undefined && last.stream === stream) last.text += payload.toString();
      else out.push({ stream, text: payload.toString() });
    },
  });
  for (const chunk of chunks) demuxer.push(chunk);
  return out;
}

describe("Docker attach frames", () => {
  const stream = Buffer.concat([
    frame(1, '{"jsonrpc":"2.0","id":1}\n'),
    frame(2, "warming up\n"),
    frame(1, ""),
    frame(1, '{"jsonrpc":"2.0","id":2}\n'),
  ]);
  const expected = [
    { stream: "stdout", text: '{"jsonrpc":"2.0","id":1}\n' },
    { stream: "stderr", text: "warming up\n" },
    { stream: "stdout", text: '{"jsonrpc":"2.0","id":2}\n' },
  ];

  test("stdout and stderr frames interleaved in one chunk, a zero-length frame in between", () => {
    assert.deepEqual(demux([stream]), expected);
  });

  test("every possible cut: byte by byte, and at each offset in two pieces", () => {
    assert.deepEqual(demux([...stream].map((byte) => Buffer.from([byte]))), expected);
    for (let cut = 1; cut < stream.length; cut++) {
      assert.deepEqual(demux([stream.subarray(0, cut), stream.subarray(cut)]), expected, `cut at ${cut}`);
    }
  });

  test("a large frame is passed on as it arrives, not held whole", () => {
    const big = frame(1, "x".repeat(100_000));
    const pieces: number[] = [];
    const demuxer = new FrameDemuxer({ onData: (_stream, payload) => pieces.push(payload.length) });
    demuxer.push(big.subarray(0, 50_008));
    assert.deepEqual(pieces, [50_000]);
    demuxer.push(big.subarray(50_008));
    assert.deepEqual(pieces, [50_000, 50_000]);
  });

  test("a header with an unknown stream type stops the stream and says why", () => {
    const reasons: string[] = [];
    const seen: string[] = [];
    const demuxer = new FrameDemuxer({
      onData: (_stream, payload) => seen.push(payload.toString()),
      onCorrupt: (reason) => reasons.push(reason),
    });
    demuxer.push(Buffer.concat([frame(1, "ok"), frame(7, "??"), frame(1, "never")]));
    assert.deepEqual(seen, ["ok"]);
    assert.deepEqual(reasons, ["unexpected stream type 7 in a Docker attach frame"]);
  });
});

describe("Docker Engine requests", () => {
  test("the create body: stdio attached without a TTY, labels, limits, network, init, baseline", () => {
    const body = buildCreateBody({
      image: "node:20-alpine",
      args: ["node", "-e", "1"],
      env: { MODE: "test", TOKEN: "a=b" },
      labels: { [LABEL_MANAGED]: "true", [LABEL_INSTANCE]: "echo-1" },
      limits: { memoryBytes: 64 * 2 ** 20, cpu: 0.5, pids: 32 },
      network: "none",
      user: "65534:65534",
      readOnlyRoot: true,
    });
    assert.deepEqual(body, {
      Image: "node:20-alpine",
      Cmd: ["node", "-e", "1"],
      User: "65534:65534",
      Env: ["MODE=test", "TOKEN=a=b"],
      Labels: { "corral.managed": "true", "corral.instance": "echo-1" },
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: true,
      StdinOnce: true,
      Tty: false,
      HostConfig: {
        Init: true,
        NetworkMode: "none",
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        ReadonlyRootfs: true,
        Tmpfs: { "/tmp": "rw,nosuid,nodev,mode=1777" },
        Memory: 67_108_864,
        MemorySwap: 67_108_864,
        NanoCpus: 500_000_000,
        PidsLimit: 32,
      },
    });
  });

  test("no args keeps the image's command, no user the image's user; no limits sets none; the baseline stays", () => {
    const body = buildCreateBody({
      image: "alpine",
      args: [],
      env: {},
      labels: {},
      limits: {},
      network: "bridge",
      readOnlyRoot: false,
    });
    assert.equal("Cmd" in body, false);
    assert.equal("User" in body, false);
    assert.deepEqual(body.HostConfig, {
      Init: true,
      NetworkMode: "bridge",
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      ReadonlyRootfs: false,
      Tmpfs: { "/tmp": "rw,nosuid,nodev,mode=1777" },
    });
  });

  test("the user: the config's, else the image's unless root, else nobody", () => {
    assert.equal(chooseContainerUser(undefined, undefined), "65534:65534");
    assert.equal(chooseContainerUser(undefined, ""), "65534:65534");
    assert.equal(chooseContainerUser(undefined, "root"), "65534:65534");
    assert.equal(chooseContainerUser(undefined, "0:1000"), "65534:65534");
    assert.equal(chooseContainerUser(undefined, "node"), undefined);
    assert.equal(chooseContainerUser(undefined, "1000:1000"), undefined);
    assert.equal(chooseContainerUser("root", "node"), "root");
    assert.equal(chooseContainerUser("1000", undefined), "1000");
    assert.deepEqual(["root", "0", "0:0", "root:wheel", "", "1000", "node:root", "65534:0"].map(isRootUser), [
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  test("a container without part of the baseline is named (an engine that ignored a field)", () => {
    const full = { CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges"], ReadonlyRootfs: true };
    assert.deepEqual(findMissingBaseline({ readOnlyRoot: true }, full), []);
    assert.deepEqual(findMissingBaseline({ readOnlyRoot: false }, { ...full, ReadonlyRootfs: false }), []);
    assert.deepEqual(
      findMissingBaseline({ readOnlyRoot: true }, { SecurityOpt: ["no-new-privileges:true"] }),
      ["CapDrop ALL", "read-only root"],
    );
    assert.deepEqual(findMissingBaseline({ readOnlyRoot: false }, { CapDrop: ["all"], SecurityOpt: null }), [
      "no-new-privileges",
    ]);
  });

  test("image references split into name and tag or digest; a registry port is not a tag", () => {
    assert.deepEqual(splitImageReference("node:20-alpine"), { name: "node", tag: "20-alpine" });
    assert.deepEqual(splitImageReference("alpine"), { name: "alpine", tag: "latest" });
    assert.deepEqual(splitImageReference("localhost:5000/team/srv"), {
      name: "localhost:5000/team/srv",
      tag: "latest",
    });
    assert.deepEqual(splitImageReference("localhost:5000/team/srv:1.2"), {
      name: "localhost:5000/team/srv",
      tag: "1.2",
    });
    assert.deepEqual(splitImageReference("ghcr.io/o/s@sha256:abc"), {
      name: "ghcr.io/o/s",
      tag: "sha256:abc",
    });
  });

  test("the socket: default, DOCKER_HOST unix://, and other schemes refused", () => {
    assert.equal(resolveDockerSocket(undefined), "/var/run/docker.sock");
    assert.equal(
      resolveDockerSocket("unix:///run/user/1000/podman/podman.sock"),
      "/run/user/1000/podman/podman.sock",
    );
    assert.throws(
      () => resolveDockerSocket("tcp://10.0.0.1:2375"),
      (error: unknown) =>
        isCorralError(error, "CONTAINER_ENGINE_UNREACHABLE") &&
        error.message.includes("DOCKER_HOST=tcp://10.0.0.1:2375 is not a unix socket"),
    );
  });

  test("limits the engine left out are named", () => {
    const wanted = { memoryBytes: 1024, cpu: 1.5, pids: 10 };
    assert.deepEqual(
      findUnappliedLimits(wanted, { Memory: 1024, NanoCpus: 1_500_000_000, PidsLimit: 10 }),
      [],
    );
    assert.deepEqual(findUnappliedLimits(wanted, { Memory: 0, NanoCpus: 0, PidsLimit: null }), [
      "memory",
      "cpu",
      "pids",
    ]);
    assert.deepEqual(findUnappliedLimits({}, { Memory: 0 }), []);
  });

  test("label filters, exit reasons, container env and gateway keys", () => {
    assert.equal(
      labelFilter({ [LABEL_MANAGED]: "true", [LABEL_GATEWAY]: "k" }),
      '{"label":["corral.managed=true","corral.gateway=k"]}',
    );
    assert.equal(describeContainerExit(3, false), "exit code 3");
    assert.equal(describeContainerExit(143, false), "exit code 143 (signal SIGTERM)");
    assert.equal(describeContainerExit(137, true), "oom-killed");
    assert.deepEqual(
      buildContainerEnv({ env: { A: "1" }, inheritEnv: ["TOKEN", "UNSET"] }, { TOKEN: "t", PATH: "/bin" }),
      { TOKEN: "t", A: "1" },
    );
    assert.equal(computeGatewayKey("/srv/a/.corral"), computeGatewayKey("/srv/a/.corral"));
    assert.notEqual(computeGatewayKey("/srv/a/.corral"), computeGatewayKey("/srv/b/.corral"));
    assert.match(computeGatewayKey("/x"), /^[0-9a-f]{16}$/);
  });
});

function containerServer(name: string, entry: Record<string, unknown>, overrides = FAST): ServerConfig {
  const text = JSON.stringify({ servers: { [name]: { runtime: "container", ...entry } } });
  const loaded = parseConfigText(text, join(process.cwd(), "corral.json"), { env: {} });
  if (!loaded.ok)
    throw new Error(`container config for ${name} is invalid: ${JSON.stringify(loaded.issues)}`);
  const [server] = loaded.config.servers;
  assert.ok(server);
  return { ...server, ...overrides, startupTimeoutMs: 60_000 };
}

describe("without an engine", () => {
  test("a container server fails to start with the socket named; process servers are unaffected", async () => {
    const folder = mkdtempSync(join(tmpdir(), "corral-noengine-"));
    try {
      const socket = join(folder, "docker.sock");
      await using run = await startSupervised(
        [
          containerServer(
            "boxed",
            { image: "alpine" },
            { ...FAST, restart: { ...FAST.restart!, maxFailures: 1 } },
          ),
          fixtureServer("plain", "healthy", [], FAST),
        ],
        { dockerHost: `unix://${socket}` },
      );
      const failed = await run.waitForTransition((t) => t.server === "boxed" && t.to === "failed");
      assert.match(
        failed.reason,
        new RegExp(
          `no Docker engine answers at unix://${socket} \\(ENOENT\\); runtime: container needs a Docker-compatible engine`,
        ),
      );
      await run.waitForTransition((t) => t.server === "plain" && t.to === "ready");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test("the engine is contacted (sweep) only when the config has a container server", async () => {
    const folder = mkdtempSync(join(tmpdir(), "corral-sweep-"));
    // Not an engine: a socket that counts connections and closes each at once.
    let connections = 0;
    const counter = createServer((connection) => {
      connections += 1;
      connection.destroy();
    });
    const socket = join(folder, "count.sock");
    await new Promise<void>((resolve) => counter.listen(socket, resolve));
    try {
      {
        await using run = await startSupervised([fixtureServer("plain", "healthy", [], FAST)], {
          dockerHost: `unix://${socket}`,
        });
        await run.waitForTransition((t) => t.server === "plain" && t.to === "ready");
      }
      assert.equal(connections, 0);
      {
        await using run = await startSupervised(
          [containerServer("boxed", { image: "alpine", start: "lazy" })],
          { dockerHost: `unix://${socket}` },
        );
        assert.equal(run.supervisor.getServer("boxed")?.state, "stopped");
      }
      assert.ok(connections >= 1, "the start-up sweep should have tried the engine");
    } finally {
      await new Promise((resolve) => counter.close(resolve));
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test("engine calls name the socket and what to do", async () => {
    const engine = createDockerEngine({ socketPath: join(tmpdir(), "corral-no-such-engine.sock") });
    await assert.rejects(engine.ping({ timeoutMs: 1_000 }), (error: unknown) => {
      assert.ok(error instanceof CorralError);
      assert.equal(error.code, "CONTAINER_ENGINE_UNREACHABLE");
      assert.match(error.message, /corral-no-such-engine\.sock \(ENOENT\)/);
      assert.match(error.message, /DOCKER_HOST=unix:/);
      return true;
    });
  });
});

// ---- With a real engine -------------------------------------------------------------------------

/**
 * A tiny MCP server over stdio: initialize, tools/list, tools/call echo, and tools/call inspect (what
 * the process may do inside its container, as JSON); exits on stdin EOF.
 */
const ECHO_SERVER = [
  'const fs = require("fs");',
  'const rl = require("readline").createInterface({ input: process.stdin });',
  'const reply = (id, result) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id, result }) + "\\n");',
  'const text = (id, value) => reply(id, { content: [{ type: "text", text: value }] });',
  'const tryWrite = (path) => { try { fs.writeFileSync(path, "x"); return "written"; } catch (e) { return e.code; } };',
  "const inspect = () => {",
  '  const status = Object.fromEntries(fs.readFileSync("/proc/self/status", "utf8").split("\\n").map((l) => l.split(":\\t")));',
  "  return { uid: process.getuid(), gid: process.getgid(), capEff: status.CapEff, capPrm: status.CapPrm,",
  '    capBnd: status.CapBnd, noNewPrivs: status.NoNewPrivs, root: tryWrite("/probe"), tmp: tryWrite("/tmp/probe") };',
  "};",
  'rl.on("line", (line) => {',
  "  const m = JSON.parse(line);",
  "  if (m.id === undefined) return;",
  '  if (m.method === "initialize") reply(m.id, { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "echo", version: "1" } });',
  '  else if (m.method === "tools/list") reply(m.id, { tools: [{ name: "echo", inputSchema: { type: "object" } }, { name: "inspect", inputSchema: { type: "object" } }] });',
  '  else if (m.method === "tools/call" && m.params.name === "inspect") text(m.id, JSON.stringify(inspect()));',
  '  else if (m.method === "tools/call") text(m.id, String(m.params.arguments.text));',
  "  else reply(m.id, {});",
  "});",
  'rl.on("close", () => process.exit(0));',
  'console.error("echo server up");',
].join("\n");

/** Runs until removed; for containers made by the test itself. */
const IDLE = ["node", "-e", "setInterval(() => {}, 1e6)"];

type EngineCheck = { engine: DockerEngine; image: TestImage } | { skip: string };
let engineCheck: Promise<EngineCheck> | undefined;
const imported: TestImage[] = [];

/** The engine, or a reason to skip: the socket (DOCKER_HOST or the default) must answer within 1 s. */
function checkEngine(): Promise<EngineCheck> {
  engineCheck ??= (async () => {
    let socketPath: string;
    try {
      socketPath = resolveDockerSocket(process.env.DOCKER_HOST);
    } catch (error) {
      return { skip: `no usable Docker engine: ${(error as Error).message}` };
    }
    const engine = createDockerEngine({ socketPath });
    try {
      await engine.ping({ timeoutMs: 1_000 });
    } catch (error) {
      const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
      return {
        skip: `no Docker engine at ${socketPath}${code === undefined ? "" : ` (${code})`}: these tests need one that answers a ping within 1 s`,
      };
    }
    // An engine that answers but cannot import an image is a failure, not a reason to skip.
    const image = await importNodeImage(socketPath);
    imported.push(image);
    return { engine, image };
  })();
  return engineCheck;
}

// Removes the imported images, failing the file if a container made from one is still there.
after(async () => {
  for (const image of imported.splice(0)) await image[Symbol.asyncDispose]();
});

async function engineOrSkip(t: TestContext): Promise<{ engine: DockerEngine; image: string } | undefined> {
  const check = await checkEngine();
  if ("skip" in check) {
    t.skip(check.skip);
    return undefined;
  }
  return { engine: check.engine, image: check.image.reference };
}

const echoServer = (image: string, extra: Record<string, unknown> = {}) =>
  containerServer("echo", { image, pull: "never", args: ["node", "-e", ECHO_SERVER], ...extra });

async function containersOf(engine: DockerEngine, labels: Record<string, string>) {
  return engine.listContainers({ [LABEL_MANAGED]: "true", ...labels });
}

/** startSupervised, and once it is disposed, a check that no container of this gateway is left. */
async function superviseContainers(
  engine: DockerEngine,
  servers: readonly ServerConfig[],
  options: Parameters<typeof startSupervised>[1] = {},
): Promise<Supervised> {
  const run = await startSupervised(servers, options);
  const gateway = computeGatewayKey(run.stateDir.path);
  return {
    ...run,
    async [Symbol.asyncDispose]() {
      await run[Symbol.asyncDispose]();
      const left = await containersOf(engine, { [LABEL_GATEWAY]: gateway });
      await Promise.all(left.map((container) => engine.removeContainer(container.Id)));
      assert.deepEqual(
        left.map((container) => container.Names.join(",")),
        [],
        "containers outlived the supervisor (removed now)",
      );
    },
  };
}

interface Inside {
  uid: number;
  gid: number;
  capEff: string;
  capPrm: string;
  capBnd: string;
  noNewPrivs: string;
  root: string;
  tmp: string;
}

/** Starts the echo server, calls echo and inspect, and returns what it saw with the container's inspect. */
async function lookInside(engine: DockerEngine, image: string, extra: Record<string, unknown> = {}) {
  await using run = await superviseContainers(engine, [echoServer(image, extra)]);
  await run.waitForTransition((tr) => tr.server === "echo" && tr.to === "ready", { timeoutMs: 60_000 });
  const [instance] = run.supervisor.getInstances("echo");
  assert.ok(instance);
  assert.equal(await callEcho(instance, "still answers"), "still answers");
  const answer = await requestInstance(instance, "tools/call", { name: "inspect", arguments: {} });
  const text = (answer.result as { content: { text: string }[] }).content[0]?.text;
  assert.ok(text !== undefined, `inspect answered ${JSON.stringify(answer)}`);
  const [summary] = await containersOf(engine, { [LABEL_INSTANCE]: instance.id });
  assert.ok(summary);
  return { inside: JSON.parse(text) as Inside, inspected: await engine.inspectContainer(summary.Id) };
}

const NO_CAPABILITIES = "0000000000000000";

describe("with a Docker engine", () => {
  test("a container server: ready, echo, labels and limits as inspected, removed on stop", async (t) => {
    const found = await engineOrSkip(t);
    if (found === undefined) return;
    const { engine, image } = found;
    await using run = await superviseContainers(engine, [
      echoServer(image, { limits: { memory: "128Mi", cpu: 0.5, pids: 64 }, env: { MODE: "test" } }),
    ]);
    await run.waitForTransition((tr) => tr.server === "echo" && tr.to === "ready", { timeoutMs: 60_000 });
    const [instance] = run.supervisor.getInstances("echo");
    assert.ok(instance);
    assert.equal(await callEcho(instance, "through the container"), "through the container");
    await waitFor(() => instance.stderr.tail(10).some((line) => line.text === "echo server up"), {
      what: "the server's stderr line",
    });

    const [summary] = await containersOf(engine, { [LABEL_INSTANCE]: instance.id });
    assert.ok(summary, "the container carries corral.instance");
    const inspected = await engine.inspectContainer(summary.Id);
    assert.deepEqual(inspected.Config.Labels, {
      "corral.managed": "true",
      "corral.gateway": computeGatewayKey(run.stateDir.path),
      "corral.server": "echo",
      "corral.instance": instance.id,
    });
    assert.equal(inspected.HostConfig.Memory, 128 * 2 ** 20);
    assert.equal(inspected.HostConfig.NanoCpus, 500_000_000);
    assert.equal(inspected.HostConfig.PidsLimit, 64);
    assert.equal(inspected.HostConfig.NetworkMode, "none");
    assert.equal(inspected.HostConfig.Init, true);

    await run.supervisor.stopServer("echo");
    const stopped = run.transitions.filter((tr) => tr.server === "echo" && tr.to === "stopped").at(-1);
    assert.match(stopped?.reason ?? "", /exited on stdin close/);
    assert.deepEqual(await containersOf(engine, { [LABEL_INSTANCE]: instance.id }), []);
  });

  test("the baseline: no capabilities, read-only root, non-root user, no-new-privileges; the server still answers", async (t) => {
    const found = await engineOrSkip(t);
    if (found === undefined) return;
    const { inside, inspected } = await lookInside(found.engine, found.image);
    assert.deepEqual(
      { capEff: inside.capEff, capPrm: inside.capPrm, capBnd: inside.capBnd },
      { capEff: NO_CAPABILITIES, capPrm: NO_CAPABILITIES, capBnd: NO_CAPABILITIES },
      "the capability sets are empty",
    );
    assert.equal(inside.noNewPrivs, "1", "NoNewPrivs in /proc/self/status");
    assert.equal(inside.root, "EROFS", "writing to / fails: the root is read-only");
    assert.equal(inside.tmp, "written", "/tmp is a writable tmpfs");
    assert.deepEqual({ uid: inside.uid, gid: inside.gid }, { uid: 65534, gid: 65534 });
    assert.deepEqual(inspected.HostConfig.CapDrop, ["ALL"]);
    assert.deepEqual(inspected.HostConfig.SecurityOpt, ["no-new-privileges"]);
    assert.equal(inspected.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(Object.keys(inspected.HostConfig.Tmpfs ?? {}), ["/tmp"]);
    assert.equal(inspected.Config.User, "65534:65534");
  });

  test("a config that opts out (readOnlyRoot: false, user: 0:0) gets that, and still no capabilities", async (t) => {
    const found = await engineOrSkip(t);
    if (found === undefined) return;
    const { inside, inspected } = await lookInside(found.engine, found.image, {
      readOnlyRoot: false,
      user: "0:0",
    });
    assert.deepEqual({ uid: inside.uid, gid: inside.gid }, { uid: 0, gid: 0 });
    assert.equal(inside.root, "written", "the root is writable when asked");
    assert.equal(inspected.HostConfig.ReadonlyRootfs, false);
    assert.equal(inside.capEff, NO_CAPABILITIES);
    assert.equal(inside.noNewPrivs, "1");
  });

  test("an image whose USER is not root keeps its user", async (t) => {
    const found = await engineOrSkip(t);
    if (found === undefined) return;
    const ownUser = await importNodeImage(found.engine.socketPath, {
      name: "corral-test-node-user",
      changes: ["USER 1000:1000"],
    });
    imported.push(ownUser);
    const { inside, inspected } = await lookInside(found.engine, ownUser.reference);
    assert.deepEqual({ uid: inside.uid, gid: inside.gid }, { uid: 1000, gid: 1000 });
    assert.equal(inspected.Config.User, "1000:1000");
    assert.equal(inside.root, "EROFS");
  });

  test("an engine that drops CapDrop gets the start refused and the container removed", async (t) => {
    const found = await engineOrSkip(t);
    if (found === undefined) return;
    const { engine, image } = found;
    const folder = mkdtempSync(join(tmpdir(), "corral-lax-engine-"));
    // An engine that ignores CapDrop: the real one behind a socket that removes it from every create.
    const lax = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        let body = Buffer.concat(chunks);
        if (req.method === "POST" && /\/containers\/create/.test(req.url ?? "")) {
          const create = JSON.parse(body.toString("utf8")) as { HostConfig: Record<string, unknown> };
          delete create.HostConfig.CapDrop;
          body = Buffer.from(JSON.stringify(create));
        }
        const headers = { ...req.headers, "content-length": String(body.length) };
        const forward = httpRequest(
          { socketPath: engine.socketPath, path: req.url, method: req.method, headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forward.on("error", () => res.destroy());
        forward.end(body);
      });
    });
    const socket = join(folder, "lax.sock");
    await new Promise<void>((resolve) => lax.listen(socket, resolve));
    try {
      await using run = await superviseContainers(
        engine,
        [
          containerServer(
            "echo",
            { image, pull: "never", args: ["node", "-e", ECHO_SERVER] },
            { ...FAST, restart: { ...FAST.restart!, maxFailures: 1 } },
          ),
        ],
        { dockerHost: `unix://${socket}` },
      );
      const failed = await run.waitForTransition((tr) => tr.server === "echo" && tr.to === "failed", {
        timeoutMs: 60_000,
      });
      assert.match(
        failed.reason,
        /the Docker engine did not apply CapDrop ALL to the container of server "echo"/,
      );
      assert.deepEqual(
        await containersOf(engine, { [LABEL_GATEWAY]: computeGatewayKey(run.stateDir.path) }),
        [],
        "the refused container is removed",
      );
    } finally {
      await new Promise((resolve) => lax.close(resolve));
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test("an exit is reported with its code, and the container is removed", async (t) => {
    const found = await engineOrSkip(t);
    if (found === undefined) return;
    const { engine, image } = found;
    await using run = await superviseContainers(engine, [
      containerServer(
        "quits",
        { image, pull: "never", args: ["node", "-e", 'console.error("bye"); process.exit(3)'] },
        { ...FAST, restart: { ...FAST.restart!, maxFailures: 1 } },
      ),
    ]);
    const failed = await run.waitForTransition((tr) => tr.server === "quits" && tr.to === "failed", {
      timeoutMs: 60_000,
    });
    assert.match(failed.reason, /exit code 3: bye \(before initialize\)/);
    const gateway = computeGatewayKey(run.stateDir.path);
    await waitFor(async () => (await containersOf(engine, { [LABEL_GATEWAY]: gateway })).length === 0, {
      what: "the exited container to be removed",
    });
  });

  test("a server over its memory limit ends as oom-killed", async (t) => {
    const found = await engineOrSkip(t);
    if (found === undefined) return;
    const { engine, image } = found;
    // Up to 1 GiB, then idle: on an engine that cannot limit swap the test times out instead of thrashing.
    const hog =
      "const k = []; const t = setInterval(() => k.push(Buffer.alloc(8 << 20, 1)) >= 128 && clearInterval(t), 10); setInterval(() => {}, 1e6)";
    await using run = await superviseContainers(engine, [
      containerServer(
        "hog",
        { image, pull: "never", args: ["node", "-e", hog], limits: { memory: "64Mi" } },
        { ...FAST, restart: { ...FAST.restart!, maxFailures: 1 } },
      ),
    ]);
    const failed = await run.waitForTransition((tr) => tr.server === "hog" && tr.to === "failed", {
      timeoutMs: 60_000,
    });
    assert.match(failed.reason, /oom-killed/);
  });

  test("containers left by a killed gateway are swept at start, other gateways' are not", async (t) => {
    const found = await engineOrSkip(t);
    if (found === undefined) return;
    const { engine, image } = found;
    const folder = mkdtempSync(join(tmpdir(), "corral-sweep-"));
    const leftover = async (gatewayKey: string) => {
      const { id } = await engine.createContainer(
        {
          image,
          args: IDLE,
          env: {},
          labels: { [LABEL_MANAGED]: "true", [LABEL_GATEWAY]: gatewayKey, [LABEL_INSTANCE]: "echo-1" },
          limits: {},
          network: "none",
          readOnlyRoot: true,
        },
        `corral-test-leftover-${gatewayKey.slice(0, 6)}-${Date.now()}`,
      );
      await engine.startContainer(id);
      return id;
    };
    const ours = await leftover(computeGatewayKey(folder));
    const theirs = await leftover(computeGatewayKey(`${folder}-another-gateway`));
    try {
      await using run = await superviseContainers(engine, [echoServer(image, { start: "lazy" })], {
        stateDir: folder,
      });
      const ids = async () => (await containersOf(engine, {})).map((container) => container.Id);
      assert.equal((await ids()).includes(ours), false, "our leftover is gone after start");
      assert.equal((await ids()).includes(theirs), true, "another gateway's container is left alone");
      assert.equal(run.supervisor.getServer("echo")?.state, "stopped");
    } finally {
      await engine.removeContainer(theirs);
      await engine.removeContainer(ours);
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
