// Holds one setup under N=1 load so a tool can look at it: strace -c, perf stat, perf record, or the
// gateway's own V8 traces. Not part of `npm run bench`. Prints `PIDS <gateway> <servers>` once the load
// runs, then `RESULT …`; the gateway's stdout (where V8 traces go) is kept in <work>/stdout.log.
//
//   node bench/probe.mjs [setup=corral] [seconds=8] [payload bytes=32] [clients=1]
//   PROBE_NODE_OPTIONS="--trace-gc-nvp" node bench/probe.mjs corral 3   # node flags for Corral

import { createWriteStream, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLoad } from "./lib/load.mjs";
import { ProcessTracker } from "./lib/processes.mjs";
import { createSetups } from "./lib/setups.mjs";

const [id = "corral", seconds = "8", bytes = "32", clientCount = "1"] = process.argv.slice(2);
const workDir = mkdtempSync(join(tmpdir(), "corral-probe-"));
const tracker = new ProcessTracker(workDir, undefined);
const corralNodeOptions = (process.env.PROBE_NODE_OPTIONS ?? "").split(" ").filter(Boolean);
const [setup] = createSetups([id], {
  tracker,
  env: { ...process.env },
  workDir,
  rawClient: "socket",
  corralNodeOptions,
});
console.log(`WORK ${workDir}`);
try {
  await setup.start();
  setup.gateway?.child.stdout.pipe(createWriteStream(join(workDir, "stdout.log")));
  const clients = [];
  for (let i = 0; i < Number(clientCount); i++) clients.push(await setup.openRaw());
  const load = (measureMs, gatewayPids = [], serverPids = []) =>
    runLoad(clients, { bytes: Number(bytes), warmMs: 300, measureMs, gatewayPids, serverPids });
  await load(500); // JIT warm-up
  const serverPids = setup.serverPids();
  console.log(`PIDS ${setup.gatewayPid ?? "-"} ${serverPids.join(",")}`);
  // User and system CPU of the gateway apart: its own work is user time, the kernel's writes system time.
  const times = () => {
    if (setup.gatewayPid === undefined) return [0, 0];
    const fields = readFileSync(`/proc/${setup.gatewayPid}/stat`, "utf8").split(") ")[1].split(" ");
    return [Number(fields[11]), Number(fields[12])];
  };
  const before = times();
  const result = await load(Number(seconds) * 1000, setup.gatewayPid ? [setup.gatewayPid] : [], serverPids);
  const after = times();
  const calls = result.callsPerSecond * Number(seconds);
  const perCall = (index) => (((after[index] - before[index]) * 10_000) / calls).toFixed(0);
  console.log(
    `RESULT ${result.callsPerSecond.toFixed(0)} calls/s, gw ${result.gatewayCpuUsPerCall.toFixed(0)} µs/call, ` +
      `srv ${result.serverCpuUsPerCall.toFixed(0)} µs/call, ${result.errors} errors; ` +
      `gw user ${perCall(0)} µs/call, system ${perCall(1)} µs/call (±${((10_000 / calls) * 2).toFixed(0)})`,
  );
  if (setup.gatewayPid !== undefined) {
    const status = readFileSync(`/proc/${setup.gatewayPid}/status`, "utf8");
    console.log(
      `MEMORY gateway ${/VmRSS:\s+(\d+)/.exec(status)?.[1]} kB now, ${/VmHWM:\s+(\d+)/.exec(status)?.[1]} kB peak`,
    );
  }
  await Promise.all(clients.map((client) => client.close()));
} finally {
  await setup.stop();
}
