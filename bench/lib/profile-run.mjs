// `--profile`: Corral under `node --cpu-prof`, one raw client at N=1 with 32 B for a few seconds, then
// a SIGINT so node writes the profile; the profile is kept in bench/profiles/ (git ignores
// *.cpuprofile) and summarised.

import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runLoad } from "./load.mjs";
import { summariseProfile } from "./profile.mjs";
import { formatTable } from "./report.mjs";
import { createSetups } from "./setups.mjs";

const PROFILES_DIR = fileURLToPath(new URL("../profiles/", import.meta.url));

export async function profileCorral({ tracker, workDir, env, seconds, rawClient, progress }) {
  const profileDir = join(workDir, "cpuprofile");
  const [corral] = createSetups(["corral"], {
    tracker,
    env,
    workDir,
    corralNodeOptions: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`],
    rawClient,
  });
  await corral.start();
  const client = await corral.openRaw();
  progress(`profiling corral under N=1, 32 B for ${seconds} s`);
  const result = await runLoad([client], {
    bytes: 32,
    warmMs: 1_000,
    measureMs: seconds * 1000,
    gatewayPids: [corral.gatewayPid],
    serverPids: corral.serverPids(),
  });
  await client.close();
  await corral.stop(); // SIGINT: corral drains and exits, and node writes the profile
  const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error(`no .cpuprofile written in ${profileDir}`);
  mkdirSync(PROFILES_DIR, { recursive: true });
  const kept = join(PROFILES_DIR, "corral-n1-32b.cpuprofile");
  copyFileSync(join(profileDir, file), kept);
  const summary = summariseProfile(JSON.parse(readFileSync(kept, "utf8")));
  return { result, summary, kept };
}

export function formatProfile({ result, summary, kept }) {
  const lines = [
    `Corral under N=1, 32 B: ${result.callsPerSecond.toFixed(0)} calls/s, p50 ${result.p50.toFixed(3)} ms, ` +
      `gateway CPU ${result.gatewayCpuUsPerCall.toFixed(0)} µs/call, server CPU ${result.serverCpuUsPerCall.toFixed(0)} µs/call, ${result.errors} errors`,
    `profile: ${kept} (open in Chrome DevTools or speedscope); ${summary.busyMs.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms`,
    "",
    "time by area (% of busy time)",
    formatTable(
      ["area", "ms", "%"],
      summary.areas.map((area) => [area.area, area.ms.toFixed(0), area.percentOfBusy.toFixed(1)]),
    ),
    "",
    "top self time (% of busy time)",
    formatTable(
      ["function", "where", "ms", "%"],
      summary.selfTop.map((entry) => [
        entry.name,
        entry.location,
        entry.ms.toFixed(0),
        entry.percentOfBusy.toFixed(1),
      ]),
    ),
    "",
    "Corral functions by total (inclusive) time (% of busy time)",
    formatTable(
      ["function", "where", "ms", "%"],
      summary.corralInclusiveTop.map((entry) => [
        entry.name,
        entry.location,
        entry.ms.toFixed(0),
        entry.percentOfBusy.toFixed(1),
      ]),
    ),
  ];
  return `${lines.join("\n")}\n`;
}
