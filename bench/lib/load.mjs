// Closed-loop load: N clients, each with one call in flight at a time, a warm-up, then a measured
// window. Every answer is checked; a wrong answer, an error or a timeout counts as an error. CPU time
// of the gateway and of the server processes is read from /proc around the window.

import { createMessageFactory } from "./messages.mjs";
import { readStat, TICKS_PER_SECOND } from "./proc.mjs";

const CALL_TIMEOUT_MS = 15_000;
/** A cell stops after this many errors: the setup is broken, and hammering it only adds noise. */
const MAX_ERRORS = 100;

function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.cpuTicks ?? 0;
  return (ticks * 1000) / TICKS_PER_SECOND;
}

export function percentile(sorted, fraction) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * (sorted.length - 1)))];
}

/**
 * @param {{callEcho(message: string): Promise<string | undefined>, abort(reason: string): void}[]} clients
 * @param {{bytes: number, warmMs: number, measureMs: number, gatewayPids: number[], serverPids: number[]}} options
 */
export async function runLoad(clients, { bytes, warmMs, measureMs, gatewayPids, serverPids }) {
  let phase = "warm";
  let windowStart = 0;
  let windowEnd = 0;
  let completed = 0;
  let errors = 0;
  let firstError;
  const latencies = [];
  const since = new Array(clients.length).fill(0);

  const loop = async (index) => {
    const client = clients[index];
    const nextMessage = createMessageFactory(bytes, index);
    while (phase !== "stop") {
      const message = nextMessage();
      const started = performance.now();
      since[index] = started;
      let problem;
      try {
        problem = await client.callEcho(message);
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      since[index] = 0;
      if (problem !== undefined) {
        errors += 1;
        firstError ??= problem;
        if (errors >= MAX_ERRORS) phase = "stop"; // a broken setup: stop hammering it
        continue;
      }
      if (phase === "measure") {
        completed += 1;
        latencies.push(performance.now() - started);
      }
    }
  };

  const watchdog = setInterval(() => {
    const now = performance.now();
    for (let index = 0; index < clients.length; index++) {
      if (since[index] !== 0 && now - since[index] > CALL_TIMEOUT_MS) {
        since[index] = 0;
        clients[index].abort(`no answer within ${CALL_TIMEOUT_MS} ms`);
      }
    }
  }, 500);
  let cpuBefore;
  const window = new Promise((resolve) => {
    setTimeout(() => {
      if (phase === "warm") phase = "measure";
      cpuBefore = { gateway: cpuMs(gatewayPids), server: cpuMs(serverPids), generator: process.cpuUsage() };
      windowStart = performance.now();
      setTimeout(() => {
        windowEnd = performance.now();
        if (phase === "measure") phase = "stop";
        resolve({
          gateway: cpuMs(gatewayPids),
          server: cpuMs(serverPids),
          generator: process.cpuUsage(cpuBefore.generator),
        });
      }, measureMs);
    }, warmMs);
  });
  const loops = clients.map((_, index) => loop(index));
  const cpuAfter = await window;
  phase = "stop";
  await Promise.all(loops);
  clearInterval(watchdog);

  const seconds = (windowEnd - windowStart) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    callsPerSecond: seconds > 0 ? completed / seconds : 0,
    calls: completed,
    errors,
    firstError,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    gatewayCpuUsPerCall:
      completed > 0 ? ((cpuAfter.gateway - cpuBefore.gateway) * 1000) / completed : Number.NaN,
    serverCpuUsPerCall:
      completed > 0 ? ((cpuAfter.server - cpuBefore.server) * 1000) / completed : Number.NaN,
    // The load generator's own CPU (this process), to show it is not what saturates.
    generatorCpuUsPerCall:
      completed > 0 ? (cpuAfter.generator.user + cpuAfter.generator.system) / completed : Number.NaN,
  };
}
