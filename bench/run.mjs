#!/usr/bin/env node
// Corral's benchmark (issue 4): the echo tool of server-everything called through direct stdio, Corral
// (shared and replicas: 2), supergateway, mcp-proxy and a bare node:http echo, interleaved in one run,
// median of 3 rounds, every answer checked. Prints calls/s, latency, CPU per call, session setup,
// gateway memory, server processes, and the ratios against the issue's targets.
// `npm run bench` from the repo root; `node bench/run.mjs --help` for the options.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runLoad } from "./lib/load.mjs";
import { listProcesses, readMemory, resetPeakMemory, waitForQuiet } from "./lib/proc.mjs";
import { ProcessTracker } from "./lib/processes.mjs";
import { formatProfile, profileCorral } from "./lib/profile-run.mjs";
import {
  evaluateTargets,
  formatBytes,
  formatCells,
  formatSetups,
  formatTargets,
  median,
  summarise,
} from "./lib/report.mjs";
import { createSetups, SETUP_IDS } from "./lib/setups.mjs";

const HELP = `usage: node bench/run.mjs [options]

  --quick               one round, short windows, N=1,16 (a smoke run of about a minute)
  --pin                 pin the load generator to CPU 0 and every server-side process to CPU 1
  --rounds R            rounds, interleaved (default 3; --quick 1)
  --warmup MS           warm-up per cell (default 300; --quick 150)
  --measure MS          measured window per cell (default 1000; --quick 500)
  --clients LIST        client counts (default 1,16,64; --quick 1,16)
  --payloads LIST       payload bytes (default 32,65536)
  --setups LIST         default ${SETUP_IDS.join(",")}
  --sdk-clients LIST    client counts also run with the SDK client (default 1,16; --quick 1; "" for none)
  --raw-client KIND     the raw HTTP client: socket (HTTP/1.1 by hand on one keep-alive socket, default)
                        or node (node:http with a keep-alive Agent: about 2-3x the generator CPU per call)
  --json FILE           also write every cell and the summary as JSON
  --profile             instead: CPU-profile Corral (node --cpu-prof) under N=1, 32 B and summarise it
  --profile-seconds S   length of the profiled load (default 10)
  --no-pidns            do not run inside a fresh PID namespace
  --keep                keep the work folder (configs, state dirs, logs)
`;

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    pin: { type: "boolean", default: false },
    rounds: { type: "string" },
    warmup: { type: "string" },
    measure: { type: "string" },
    clients: { type: "string" },
    payloads: { type: "string" },
    setups: { type: "string" },
    "sdk-clients": { type: "string" },
    json: { type: "string" },
    "raw-client": { type: "string", default: "socket" },
    profile: { type: "boolean", default: false },
    "profile-seconds": { type: "string" },
    "no-pidns": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const list = (text) =>
  text === ""
    ? []
    : text.split(",").map((item) => {
        const number = Number(item);
        if (!Number.isInteger(number) || number <= 0) throw new Error(`not a positive integer: ${item}`);
        return number;
      });
const options = {
  rounds: Number(flags.rounds ?? (flags.quick ? 1 : 3)),
  warmMs: Number(flags.warmup ?? (flags.quick ? 150 : 300)),
  measureMs: Number(flags.measure ?? (flags.quick ? 500 : 1000)),
  clients: list(flags.clients ?? (flags.quick ? "1,16" : "1,16,64")),
  payloads: list(flags.payloads ?? "32,65536"),
  setups: (flags.setups ?? SETUP_IDS.join(",")).split(","),
  sdkClients: list(flags["sdk-clients"] ?? (flags.quick ? "1" : "1,16")),
  profileSeconds: Number(flags["profile-seconds"] ?? 10),
};
const INSIDE = "CORRAL_BENCH_PIDNS";

// A fresh PID namespace (as scripts/run-tests.mjs does): whatever happens to this run, the kernel ends
// every process it started when it ends. Explicit cleanup by pid still runs and is checked.
if (!flags["no-pidns"] && process.env[INSIDE] === undefined && process.platform === "linux") {
  const probe = spawnSync("unshare", ["--pid", "--fork", "--kill-child", "--mount-proc", "true"], {
    stdio: "ignore",
  });
  if (probe.status === 0) {
    const run = spawnSync(
      "unshare",
      ["--pid", "--fork", "--kill-child", "--mount-proc", process.execPath, ...process.argv.slice(1)],
      { stdio: "inherit", env: { ...process.env, [INSIDE]: "1" } },
    );
    process.exit(run.status ?? 1);
  }
  console.error("bench: no PID namespace here (unshare failed); relying on cleanup by pid alone");
}

const benchStarted = performance.now();
const progress = (text) =>
  process.stderr.write(`[${((performance.now() - benchStarted) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);

function pinSelf() {
  if (cpus().length < 2) throw new Error("--pin needs at least 2 CPUs");
  const pinned = spawnSync("taskset", ["-a", "-cp", "0", String(process.pid)], { stdio: "ignore" });
  if (pinned.status !== 0) throw new Error("--pin: taskset failed (is util-linux installed?)");
}

function machineDescription() {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, Node ${process.version}, ${process.platform} ${process.arch}`;
}

function rotate(items, by) {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function statsOf(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: median(sorted), max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1] };
}

/** Sessions opened one at a time (and timed) up to this many; beyond, 4 at a time and not timed. */
const TIMED_SESSIONS = 16;
const UNTIMED_CONCURRENCY = 4;

async function openSessions(sessions, times, count, open) {
  while (sessions.length < Math.min(count, TIMED_SESSIONS)) {
    const started = performance.now();
    sessions.push(await open());
    times.push(performance.now() - started);
  }
  while (sessions.length < count) {
    const batch = Math.min(UNTIMED_CONCURRENCY, count - sessions.length);
    sessions.push(...(await Promise.all(Array.from({ length: batch }, () => open()))));
  }
}

async function benchmark(tracker, workDir) {
  const env = { ...process.env };
  delete env[INSIDE];
  if (flags["raw-client"] !== "node" && flags["raw-client"] !== "socket")
    throw new Error(`--raw-client is node or socket, not ${flags["raw-client"]}`);
  const setups = createSetups(options.setups, { tracker, env, workDir, rawClient: flags["raw-client"] });
  try {
    return await measureAll(setups, tracker);
  } finally {
    // Each setup stops by pid (SIGINT for corral, SIGTERM otherwise), then its group is killed.
    await Promise.all(setups.map((setup) => setup.stop().catch(() => {})));
  }
}

async function measureAll(setups, tracker) {
  const facts = new Map();
  const cells = [];
  const runStarted = performance.now();
  for (const setup of setups) {
    const started = performance.now();
    await setup.start();
    progress(`started ${setup.id} in ${(performance.now() - started).toFixed(0)} ms`);
  }
  tracker.sample();
  for (const setup of setups) {
    facts.set(setup.id, {
      gatewayPid: setup.gatewayPid,
      raw: [],
      sdk: [],
      rawTimes: [],
      sdkTimes: [],
      memory: {
        idle: readMemory(setup.gatewayPid ?? -1)?.rss ?? Number.NaN,
        peak: 0,
        peakByPayload: new Map(),
      },
      serverProcesses: new Map(),
      serverRss: Number.NaN,
    });
  }

  const largestN = Math.max(...options.clients);
  const measure = async (setup, client, sessions, n, bytes, round) => {
    // The gateway's peak RSS during each raw cell at the largest N, per payload: the peak of the whole
    // run alone would hide which load set it.
    const gateway = setup.gatewayPid;
    const memory = facts.get(setup.id).memory;
    const peakOfCell = client === "raw" && n === largestN && gateway !== undefined;
    if (peakOfCell) {
      // The run's peak so far is kept before the kernel's counter starts over.
      memory.peak = Math.max(memory.peak, readMemory(gateway)?.hwm ?? 0);
      resetPeakMemory(gateway);
    }
    const result = await runLoad(sessions.slice(0, n), {
      bytes,
      warmMs: options.warmMs,
      measureMs: options.measureMs,
      gatewayPids: setup.gatewayPid === undefined ? [] : [setup.gatewayPid],
      serverPids: setup.serverPids(),
    });
    if (peakOfCell) {
      const peak = readMemory(gateway)?.hwm ?? 0;
      memory.peakByPayload.set(bytes, Math.max(memory.peakByPayload.get(bytes) ?? 0, peak));
      memory.peak = Math.max(memory.peak, peak);
    }
    cells.push({ client, n, bytes, setup: setup.id, round, result });
    progress(
      `  r${round} ${client} N=${n} ${formatBytes(bytes)} ${setup.id.padEnd(12)} ${result.callsPerSecond.toFixed(0).padStart(6)} calls/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms${result.errors > 0 ? `  ${result.errors} ERRORS (${result.firstError})` : ""}`,
    );
  };

  for (const [index, n] of options.clients.entries()) {
    for (const setup of setups) {
      const fact = facts.get(setup.id);
      const started = performance.now();
      await openSessions(fact.raw, fact.rawTimes, n, () => setup.openRaw());
      // Server processes while N raw clients are connected (before any SDK session adds its own).
      fact.serverProcesses.set(n, setup.serverPids({ rawOnly: true }).length);
      if (options.sdkClients.includes(n))
        await openSessions(fact.sdk, fact.sdkTimes, n, () => setup.openSdk());
      progress(`${setup.id}: ${n} session(s) open in ${(performance.now() - started).toFixed(0)} ms`);
    }
    if (index === 0) {
      // Warm each setup's JIT once before anything is recorded.
      for (const setup of setups) {
        await runLoad(facts.get(setup.id).raw.slice(0, 1), {
          bytes: 32,
          warmMs: 0,
          measureMs: 1_000,
          gatewayPids: [],
          serverPids: [],
        });
      }
    }
    tracker.sample();
    // Freshly spawned servers keep a CPU busy for a while (JIT, GC, start-up timers): let them settle.
    const waited = await waitForQuiet();
    progress(`quiet after ${waited.toFixed(0)} ms`);
    for (let round = 1; round <= options.rounds; round++) {
      const order = rotate(setups, index + round - 1);
      for (const bytes of options.payloads) {
        for (const setup of order) await measure(setup, "raw", facts.get(setup.id).raw, n, bytes, round);
      }
      if (options.sdkClients.includes(n)) {
        // The SDK client is measured with the small payload, and with the large one at N=1.
        for (const bytes of options.payloads.filter((bytes) => bytes === options.payloads[0] || n === 1)) {
          for (const setup of order) await measure(setup, "sdk", facts.get(setup.id).sdk, n, bytes, round);
        }
      }
    }
    tracker.sample();
    for (const setup of setups) {
      const fact = facts.get(setup.id);
      fact.memory.withSessions = readMemory(setup.gatewayPid ?? -1)?.rss ?? Number.NaN;
      fact.serverRss = setup.serverPids().reduce((sum, pid) => sum + (readMemory(pid)?.rss ?? 0), 0);
      // SDK sessions are not needed beyond the largest SDK client count: free their processes.
      if (n === Math.max(...options.sdkClients)) {
        await Promise.all(fact.sdk.map((client) => client.close()));
        fact.sdk.length = 0;
      }
    }
  }
  for (const setup of setups) {
    const fact = facts.get(setup.id);
    const hwm = readMemory(setup.gatewayPid ?? -1)?.hwm;
    fact.memory.peak = hwm === undefined ? Number.NaN : Math.max(fact.memory.peak, hwm);
    fact.sessionSetup = statsOf(fact.rawTimes);
    fact.sdkConnect = statsOf(fact.sdkTimes);
  }
  const seconds = (performance.now() - runStarted) / 1000;
  return { cells, facts, seconds };
}

function printBenchmark({ cells, facts, seconds }) {
  const summaries = summarise(cells);
  const order = options.setups;
  const targets = evaluateTargets(summaries, facts);
  const out = [
    "",
    `Corral benchmark: ${machineDescription()}${flags.pin ? ", pinned (load generator CPU 0, servers and gateways CPU 1)" : ""}`,
    `${options.rounds} round(s) interleaved, ${options.warmMs} ms warm-up + ${options.measureMs} ms measured per cell; medians over rounds; ratios are medians of per-round ratios; ${seconds.toFixed(0)} s`,
    "Every call is server-everything's echo with a unique message; a wrong answer is an error. * = best peer.",
    "CPU per call from /proc: gw = the gateway process, srv = all server processes, gen = the load generator.",
    "",
    flags["raw-client"] === "socket"
      ? "Raw client (HTTP/1.1 by hand on one keep-alive socket per session; direct: raw JSON-RPC lines on stdio)"
      : "Raw client (node:http, keep-alive Agent per session; direct: raw JSON-RPC lines on stdio)",
    formatCells(summaries, "raw", order),
  ];
  if (cells.some((cell) => cell.client === "sdk")) {
    out.push("", "Official SDK client (Client + StreamableHTTPClientTransport / StdioClientTransport)");
    out.push(formatCells(summaries, "sdk", order));
  }
  out.push("", "Setups", formatSetups(facts, order, options.clients, options.payloads));
  out.push("", "Targets (issue 4)", formatTargets(targets), "");
  process.stdout.write(out.join("\n"));
  return { summaries, targets };
}

async function main() {
  if (flags.pin) pinSelf();
  const workDir = mkdtempSync(join(tmpdir(), "corral-bench-"));
  const tracker = new ProcessTracker(workDir, flags.pin ? "1" : undefined);
  let failed = false;
  const interrupt = async (signal) => {
    progress(`bench: ${signal}: stopping everything it started`);
    tracker.killSurvivors();
    process.exit(130);
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    if (flags.profile) {
      const env = { ...process.env };
      delete env[INSIDE];
      const run = await profileCorral({
        tracker,
        workDir,
        env,
        seconds: options.profileSeconds,
        rawClient: flags["raw-client"],
        progress,
      });
      process.stdout.write(formatProfile(run));
    } else {
      const run = await benchmark(tracker, workDir);
      const report = printBenchmark(run);
      if (flags.json !== undefined) {
        const serialisable = {
          machine: machineDescription(),
          options,
          pinned: flags.pin,
          seconds: run.seconds,
          cells: run.cells,
          summaries: report.summaries.map((summary) => ({
            ...summary,
            setups: Object.fromEntries(summary.setups),
          })),
          facts: Object.fromEntries(
            [...run.facts].map(([id, fact]) => [
              id,
              {
                sessionSetup: fact.sessionSetup,
                sdkConnect: fact.sdkConnect,
                memory: { ...fact.memory, peakByPayload: Object.fromEntries(fact.memory.peakByPayload) },
                serverProcesses: Object.fromEntries(fact.serverProcesses),
                serverRss: fact.serverRss,
              },
            ]),
          ),
          targets: report.targets,
        };
        writeFileSync(flags.json, `${JSON.stringify(serialisable, null, 2)}\n`);
      }
    }
  } catch (error) {
    failed = true;
    progress(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    const left = tracker.killSurvivors();
    if (left.length > 0) {
      failed = true;
      progress(
        `bench: ${left.length} process(es) outlived their stop and were killed: ${left.map((p) => `${p.pid} (${p.label})`).join(", ")}`,
      );
    }
    if (process.env[INSIDE] !== undefined) {
      // In our own namespace every other live process is ours: there must be none.
      const others = listProcesses().filter((stat) => stat.pid !== process.pid);
      if (others.length > 0) {
        failed = true;
        progress(
          `bench: processes still alive in the bench's namespace: ${others.map((s) => s.pid).join(", ")}`,
        );
      } else progress("bench: no process left behind");
    }
    if (flags.keep || failed) progress(`bench: logs and state in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
