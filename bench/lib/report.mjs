// Turns the measured cells into tables: per cell the median over rounds, the ratios Corral/direct and
// Corral/best peer (median of the per-round ratios, so each ratio compares runs made side by side),
// the per-setup facts (session setup, memory, processes), and the issue's targets, met or missed.

import { PEER_IDS } from "./setups.mjs";

export function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function formatBytes(bytes) {
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

function fixed(value, digits = 0) {
  return Number.isFinite(value) ? value.toFixed(digits) : "-";
}

function mib(bytes) {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)}` : "-";
}

function ratio(value) {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "-";
}

/** Aligned plain-text table; numbers right-aligned. */
export function formatTable(header, rows) {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => String(row[column]).length)),
  );
  const isNumeric = (text) => /^[-\d.,×%<>=≥≤ ]+(ms|µs|MiB|×)?$/.test(text) || text === "-";
  const line = (row, head) =>
    row
      .map((cell, column) => {
        const text = String(cell);
        return !head && isNumeric(text) ? text.padStart(widths[column]) : text.padEnd(widths[column]);
      })
      .join("  ")
      .trimEnd();
  return [
    line(header, true),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...rows.map((row) => line(row, false)),
  ].join("\n");
}

/**
 * @param {{client: string, n: number, bytes: number, setup: string, round: number, result: object}[]} cells
 */
export function summarise(cells) {
  const groups = new Map();
  for (const cell of cells) {
    const key = `${cell.client}|${cell.n}|${cell.bytes}`;
    const group = groups.get(key) ?? {
      client: cell.client,
      n: cell.n,
      bytes: cell.bytes,
      bySetup: new Map(),
    };
    const list = group.bySetup.get(cell.setup) ?? [];
    list.push(cell);
    group.bySetup.set(cell.setup, list);
    groups.set(key, group);
  }
  const summaries = [];
  for (const group of groups.values()) {
    const rounds = new Map();
    for (const [setup, list] of group.bySetup) {
      for (const cell of list) {
        const round = rounds.get(cell.round) ?? new Map();
        round.set(setup, cell.result.callsPerSecond);
        rounds.set(cell.round, round);
      }
    }
    const perRound = (setup, against) =>
      median(
        [...rounds.values()].map((round) => {
          const mine = round.get(setup);
          const theirs = against(round);
          return mine === undefined || theirs === undefined || theirs === 0 ? Number.NaN : mine / theirs;
        }),
      );
    const bestPeer = (round) => {
      const rates = PEER_IDS.map((peer) => round.get(peer)).filter((rate) => rate !== undefined);
      return rates.length === 0 ? undefined : Math.max(...rates);
    };
    const setups = new Map();
    for (const [setup, list] of group.bySetup) {
      const results = list.map((cell) => cell.result);
      setups.set(setup, {
        callsPerSecond: median(results.map((result) => result.callsPerSecond)),
        p50: median(results.map((result) => result.p50)),
        p99: median(results.map((result) => result.p99)),
        gatewayCpuUsPerCall: median(results.map((result) => result.gatewayCpuUsPerCall)),
        serverCpuUsPerCall: median(results.map((result) => result.serverCpuUsPerCall)),
        generatorCpuUsPerCall: median(results.map((result) => result.generatorCpuUsPerCall)),
        errors: results.reduce((sum, result) => sum + result.errors, 0),
        firstError: results.find((result) => result.firstError !== undefined)?.firstError,
        vsDirect: perRound(setup, (round) => round.get("direct")),
        vsBestPeer: perRound(setup, bestPeer),
      });
    }
    const peerMedians = PEER_IDS.map((peer) => [peer, setups.get(peer)?.callsPerSecond]).filter(
      ([, rate]) => rate !== undefined,
    );
    const best = peerMedians.sort((a, b) => b[1] - a[1])[0];
    summaries.push({ ...group, bySetup: undefined, setups, bestPeer: best?.[0] });
  }
  return summaries.sort((a, b) =>
    a.client === b.client ? a.n - b.n || a.bytes - b.bytes : a.client === "raw" ? -1 : 1,
  );
}

export function formatCells(summaries, client, setupOrder) {
  const rows = [];
  for (const summary of summaries.filter((entry) => entry.client === client)) {
    for (const setup of setupOrder) {
      const entry = summary.setups.get(setup);
      if (entry === undefined) continue;
      const isCorral = setup.startsWith("corral");
      rows.push([
        `N=${summary.n}`,
        formatBytes(summary.bytes),
        setup + (setup === summary.bestPeer ? " *" : ""),
        fixed(entry.callsPerSecond),
        fixed(entry.p50, 2),
        fixed(entry.p99, 2),
        fixed(entry.gatewayCpuUsPerCall),
        fixed(entry.serverCpuUsPerCall),
        fixed(entry.generatorCpuUsPerCall),
        String(entry.errors),
        setup === "direct" ? "" : ratio(entry.vsDirect),
        isCorral || setup.startsWith("bare-") ? ratio(entry.vsBestPeer) : "",
      ]);
    }
  }
  return formatTable(
    [
      "clients",
      "payload",
      "setup",
      "calls/s",
      "p50 ms",
      "p99 ms",
      "gw µs/call",
      "srv µs/call",
      "gen µs/call",
      "errors",
      "÷direct",
      "÷best peer",
    ],
    rows,
  );
}

export function formatSetups(facts, setupOrder, clientCounts, payloads) {
  const largest = clientCounts.at(-1);
  const rows = setupOrder
    .filter((setup) => facts.has(setup))
    .map((setup) => {
      const fact = facts.get(setup);
      return [
        setup,
        fixed(fact.sessionSetup.p50, 1),
        fixed(fact.sessionSetup.max, 1),
        fixed(fact.sdkConnect.p50, 1),
        fact.gatewayPid === undefined ? "-" : mib(fact.memory.idle),
        fact.gatewayPid === undefined ? "-" : mib(fact.memory.withSessions),
        ...payloads.map((bytes) =>
          fact.gatewayPid === undefined ? "-" : mib(fact.memory.peakByPayload.get(bytes)),
        ),
        fact.gatewayPid === undefined ? "-" : mib(fact.memory.peak),
        clientCounts.map((n) => fact.serverProcesses.get(n) ?? "-").join("/"),
        mib(fact.serverRss),
      ];
    });
  return formatTable(
    [
      "setup",
      "session p50 ms",
      "session max ms",
      "SDK connect p50 ms",
      "gw RSS idle MiB",
      `gw RSS N=${largest} MiB`,
      ...payloads.map((bytes) => `peak N=${largest} ${formatBytes(bytes)}`),
      "gw RSS peak MiB",
      `server procs N=${clientCounts.join("/")}`,
      "server RSS MiB",
    ],
    rows,
  );
}

/** The issue's targets for Corral (shared), each met or missed, with the measured ratio. */
export function evaluateTargets(summaries, facts) {
  const find = (n, bytes, setup) =>
    summaries
      .find((entry) => entry.client === "raw" && entry.n === n && entry.bytes === bytes)
      ?.setups.get(setup);
  const targets = [];
  const add = (measure, target, value, met, note = "") =>
    targets.push({ measure, target, value, met: Number.isFinite(value) ? met(value) : undefined, note });
  const small = 32;
  const big = 64 * 1024;
  const one = find(1, small, "corral");
  // bare-relay does the least any node relay can: where it misses a target too, the ceiling is the
  // machine (one HTTP exchange plus one pipe round trip), not Corral.
  const ceiling = (n, bytes, key) => {
    const value = find(n, bytes, "bare-relay")?.[key];
    return Number.isFinite(value) ? `bare-relay, the ceiling of any relay: ${ratio(value)}` : "";
  };
  add("N=1, 32 B: Corral ÷ direct", "≥ 0.5", one?.vsDirect, (v) => v >= 0.5, ceiling(1, small, "vsDirect"));
  add(
    "N=1, 32 B: Corral ÷ best peer",
    "≥ 6",
    one?.vsBestPeer,
    (v) => v >= 6,
    ceiling(1, small, "vsBestPeer"),
  );
  const sixteen = find(16, small, "corral");
  const processes = facts.get("corral")?.serverProcesses.get(16);
  add(
    "N=16, 32 B: Corral ÷ direct (16 processes)",
    "≥ 1.0, 1 process",
    sixteen?.vsDirect,
    (v) => v >= 1 && processes === 1,
    `Corral ran ${processes ?? "?"} server process(es)`,
  );
  const many = find(64, small, "corral");
  add("N=64, 32 B: Corral ÷ direct", "≥ 1.2", many?.vsDirect, (v) => v >= 1.2);
  add("N=64, 32 B: Corral ÷ best peer", "≥ 2", many?.vsBestPeer, (v) => v >= 2);
  add(
    "N=1, 64 KiB: Corral ÷ best peer",
    "≥ 3",
    find(1, big, "corral")?.vsBestPeer,
    (v) => v >= 3,
    ceiling(1, big, "vsBestPeer"),
  );
  const corral = facts.get("corral");
  add("session setup p50 (ms)", "≤ 10", corral?.sessionSetup.p50, (v) => v <= 10);
  add("gateway RSS idle (MiB)", "≤ 60", (corral?.memory.idle ?? Number.NaN) / 1024 / 1024, (v) => v <= 60);
  const sessions = Math.max(...(corral?.serverProcesses.keys() ?? [0]));
  const relayPeaks = facts.get("bare-relay")?.memory.peakByPayload;
  for (const bytes of [small, big]) {
    const peak = corral?.memory.peakByPayload.get(bytes);
    const relay = relayPeaks?.get(bytes);
    add(
      `gateway RSS peak, ${sessions} sessions, ${formatBytes(bytes)} (MiB)`,
      "≤ 120",
      (peak ?? Number.NaN) / 1024 / 1024,
      (v) => v <= 120,
      `VmHWM during those cells${relay === undefined ? "" : `; bare-relay ${mib(relay)} MiB`}`,
    );
  }
  const corralCells = summaries.flatMap((entry) =>
    [...entry.setups.entries()]
      .filter(([setup]) => setup.startsWith("corral"))
      .map(([setup, result]) => ({ setup, entry, result })),
  );
  const failing = corralCells.filter(({ result }) => result.errors > 0);
  const errors = failing.reduce((sum, { result }) => sum + result.errors, 0);
  targets.push({
    measure: "every answer right (Corral, both modes)",
    target: "0 errors",
    value: errors,
    met: errors === 0,
    note: failing
      .slice(0, 1)
      .map(
        ({ setup, entry, result }) =>
          `${setup} ${entry.client} N=${entry.n} ${formatBytes(entry.bytes)}: ${result.errors} (${String(result.firstError).slice(0, 70)})`,
      )
      .join("; ")
      .concat(failing.length > 1 ? `; and ${failing.length - 1} more cell(s)` : ""),
  });
  return targets;
}

export function formatTargets(targets) {
  return formatTable(
    ["target (Corral shared)", "goal", "measured", "verdict", "note"],
    targets.map((target) => [
      target.measure,
      target.target,
      target.measure.includes("÷")
        ? ratio(target.value)
        : fixed(target.value, Number.isInteger(target.value) ? 0 : 1),
      target.met === undefined ? "not measured" : target.met ? "met" : "MISSED",
      target.note,
    ]),
  );
}
