// The setups measured side by side. Each starts once per run, opens client sessions (raw or SDK) on
// demand, says which process is its gateway and which processes run the server, and stops by pid.
//
//   direct        one server-everything process per client, raw JSON-RPC over its stdin/stdout
//   corral        `corral up`, one shared server process, /servers/everything/mcp
//   corral-r2     the same with `replicas: 2`
//   supergateway  stateful Streamable HTTP (one server process per session), logging off
//   mcp-proxy     Streamable HTTP (one shared server process), no event store
//   bare-http     a node:http server that answers the echo itself: the ceiling of any HTTP gateway
//   bare-relay    a node:http server relaying to one shared server with the least possible work: the
//                 ceiling of any node gateway in front of a stdio server

import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkEchoAnswer, echoRequestText } from "./messages.mjs";
import { readCommandLine } from "./proc.mjs";
import { waitForLine } from "./processes.mjs";
import { RawHttpClient } from "./raw-http-client.mjs";
import { RawSocketClient } from "./raw-socket-client.mjs";
import { RawStdioClient } from "./raw-stdio-client.mjs";
import { connectSdkHttp, connectSdkStdio } from "./sdk-client.mjs";

const BENCH = fileURLToPath(new URL("..", import.meta.url));
const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const SERVER_ENTRY = join(BENCH, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
const CORRAL_BIN = join(REPO, "bin/corral.js");
const SUPERGATEWAY = join(BENCH, "node_modules/supergateway/dist/index.js");
const MCP_PROXY = join(BENCH, "node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs");
const LOOPBACK = new URL("./loopback.mjs", import.meta.url).href;
const BARE_HTTP = join(BENCH, "lib/bare-http-echo.mjs");
const BARE_RELAY = join(BENCH, "lib/bare-relay.mjs");
const LISTENING = /^bench-listening (127\.0\.0\.1):(\d+)$/;
const START_TIMEOUT_MS = 60_000;

export const SETUP_IDS = [
  "direct",
  "corral",
  "corral-r2",
  "supergateway",
  "mcp-proxy",
  "bare-http",
  "bare-relay",
];
export const PEER_IDS = ["supergateway", "mcp-proxy"];

/** Server-everything processes among the descendants of `root` (not their sh/unshare/taskset wrappers). */
function isServerProcess(pid) {
  const argv = readCommandLine(pid);
  return argv.length > 0 && basename(argv[0]).startsWith("node") && argv.includes(SERVER_ENTRY);
}

function quote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

async function waitForHttp(url, accept, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      const body = await response.json();
      if (accept(response.status, body)) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

class HttpSetup {
  gateway;
  url;

  constructor(id, tracker, env) {
    this.id = id;
    this.tracker = tracker;
    this.env = env;
  }

  get gatewayPid() {
    return this.gateway?.pid;
  }

  async openRaw() {
    const client = this.rawClient === "socket" ? new RawSocketClient(this.url) : new RawHttpClient(this.url);
    await client.initialize();
    return client;
  }

  openSdk() {
    return connectSdkHttp(this.url);
  }

  /** Pids of the server processes below the gateway. */
  serverPids() {
    this.tracker.sample();
    if (this.gateway === undefined) return [];
    return this.tracker.descendantsOf(this.gateway.pid).filter(isServerProcess);
  }

  async startProcess(label, args, pattern, what) {
    this.gateway = this.tracker.spawn(label, process.execPath, args, { env: this.env, stdout: "pipe" });
    const exited = this.gateway.exited.then((exit) => {
      throw new Error(`${label} exited (${exit.signal ?? `code ${exit.code}`}) before ${what}; see its log`);
    });
    const match = await Promise.race([
      waitForLine(this.gateway.child.stdout, pattern, START_TIMEOUT_MS, `${label}: ${what}`),
      exited,
    ]);
    // Keep reading stdout so the gateway never blocks on a full pipe.
    this.gateway.child.stdout.resume();
    return match;
  }

  async stop() {
    if (this.gateway !== undefined)
      await this.tracker.stop(this.gateway, { signal: this.stopSignal ?? "SIGTERM" });
  }
}

/** The node flags `corral` runs with: those on the `#!/usr/bin/env -S node …` line of bin/corral.js. */
function corralBinNodeFlags() {
  const shebang = readFileSync(CORRAL_BIN, "utf8").split("\n", 1)[0] ?? "";
  const match = /^#!\/usr\/bin\/env -S node (.+)$/.exec(shebang);
  return match === null ? [] : match[1].trim().split(/\s+/);
}

class CorralSetup extends HttpSetup {
  constructor(id, tracker, env, { replicas = 1, workDir, nodeOptions = [] }) {
    super(id, tracker, env);
    this.replicas = replicas;
    this.workDir = workDir;
    this.nodeOptions = nodeOptions;
    this.stopSignal = "SIGINT";
  }

  async start() {
    const dir = join(this.workDir, this.id);
    const config = join(this.workDir, `${this.id}.yaml`);
    writeFileSync(
      config,
      [
        "gateway:",
        "  host: 127.0.0.1",
        "  port: 0",
        "servers:",
        "  everything:",
        `    command: ${JSON.stringify(process.execPath)}`,
        `    args: [${JSON.stringify(SERVER_ENTRY)}, stdio]`,
        ...(this.replicas > 1 ? [`    replicas: ${this.replicas}`] : []),
        "",
      ].join("\n"),
    );
    const args = [
      ...corralBinNodeFlags(),
      ...this.nodeOptions,
      CORRAL_BIN,
      "up",
      "--config",
      config,
      "--state-dir",
      dir,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
    ];
    const match = await this.startProcess(
      this.id,
      args,
      /^corral listening on (http:\/\/127\.0\.0\.1:\d+)$/,
      "its listening line",
    );
    const base = match[1];
    this.url = `${base}/servers/everything/mcp`;
    await waitForHttp(
      `${base}/api/v1/mcp/servers`,
      (status, body) =>
        status === 200 &&
        body.servers?.[0]?.instances?.filter((instance) => instance.state === "ready").length ===
          this.replicas,
      START_TIMEOUT_MS,
      `${this.id}: ${this.replicas} ready instance(s)`,
    );
  }
}

class SupergatewaySetup extends HttpSetup {
  async start() {
    const server = `${quote(process.execPath)} ${quote(SERVER_ENTRY)} stdio`;
    const args = [
      "--import",
      LOOPBACK,
      SUPERGATEWAY,
      "--stdio",
      server,
      "--outputTransport",
      "streamableHttp",
      "--stateful",
      "--port",
      "0",
      "--logLevel",
      "none",
    ];
    const match = await this.startProcess(this.id, args, LISTENING, "its listening address");
    this.url = `http://${match[1]}:${match[2]}/mcp`;
  }
}

class McpProxySetup extends HttpSetup {
  async start() {
    const args = [
      "--import",
      LOOPBACK,
      MCP_PROXY,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--server",
      "stream",
      "--no-eventStore",
      "--",
      process.execPath,
      SERVER_ENTRY,
      "stdio",
    ];
    const match = await this.startProcess(this.id, args, LISTENING, "its listening address");
    this.url = `http://${match[1]}:${match[2]}/mcp`;
    // mcp-proxy listens only once its one upstream answered initialize.
  }
}

class BareHttpSetup extends HttpSetup {
  async start() {
    const match = await this.startProcess(this.id, [BARE_HTTP], LISTENING, "its listening address");
    this.url = `http://${match[1]}:${match[2]}/mcp`;
  }

  serverPids() {
    return [];
  }
}

class BareRelaySetup extends HttpSetup {
  async start() {
    const args = [BARE_RELAY, process.execPath, SERVER_ENTRY, "stdio"];
    const match = await this.startProcess(this.id, args, LISTENING, "its listening address");
    this.url = `http://${match[1]}:${match[2]}/mcp`;
  }
}

class DirectSetup {
  gatewayPid = undefined;
  #handles = new Set();
  #sdkPids = new Set();

  constructor(id, tracker, env) {
    this.id = id;
    this.tracker = tracker;
    this.env = env;
  }

  async start() {}

  async openRaw() {
    const handle = this.tracker.spawn("direct", process.execPath, [SERVER_ENTRY, "stdio"], {
      env: this.env,
      stdin: "pipe",
      stdout: "pipe",
    });
    this.#handles.add(handle);
    const client = new RawStdioClient(handle.child);
    await client.initialize();
    const id = () => client.nextId();
    return {
      callEcho: async (message) => {
        const requestId = id();
        const answer = await client.send(requestId, echoRequestText(requestId, message));
        return checkEchoAnswer(answer, requestId, message);
      },
      abort: (reason) => client.abort(reason),
      close: async () => {
        this.#handles.delete(handle);
        await this.tracker.stop(handle, { graceMs: 2_000 });
      },
    };
  }

  async openSdk() {
    const { command, args } = this.tracker.command(process.execPath, [SERVER_ENTRY, "stdio"]);
    const client = await connectSdkStdio({ command, args, env: this.env });
    if (client.pid !== undefined) {
      this.tracker.adopt(client.pid, "direct-sdk");
      this.#sdkPids.add(client.pid);
    }
    return {
      ...client,
      close: async () => {
        this.#sdkPids.delete(client.pid);
        await client.close();
      },
    };
  }

  /** Server processes of the raw and SDK clients; `{ rawOnly: true }`: of the raw clients alone. */
  serverPids({ rawOnly = false } = {}) {
    const raw = [...this.#handles].map((handle) => handle.pid);
    return rawOnly ? raw : [...raw, ...this.#sdkPids];
  }

  async stop() {
    await Promise.all([...this.#handles].map((handle) => this.tracker.stop(handle, { graceMs: 2_000 })));
    this.#handles.clear();
  }
}

/** The setups named in `ids`, not started yet. */
export function createSetups(ids, { tracker, env, workDir, corralNodeOptions = [], rawClient = "node" }) {
  const setups = ids.map((id) => {
    switch (id) {
      case "direct":
        return new DirectSetup(id, tracker, env);
      case "corral":
        return new CorralSetup(id, tracker, env, { workDir, nodeOptions: corralNodeOptions });
      case "corral-r2":
        return new CorralSetup(id, tracker, env, { replicas: 2, workDir, nodeOptions: corralNodeOptions });
      case "supergateway":
        return new SupergatewaySetup(id, tracker, env);
      case "mcp-proxy":
        return new McpProxySetup(id, tracker, env);
      case "bare-http":
        return new BareHttpSetup(id, tracker, env);
      case "bare-relay":
        return new BareRelaySetup(id, tracker, env);
      default:
        throw new Error(`unknown setup ${id}; known: ${SETUP_IDS.join(", ")}`);
    }
  });
  for (const setup of setups) setup.rawClient = rawClient;
  return setups;
}
