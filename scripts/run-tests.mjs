// Runs every compiled test file with node's test runner inside a fresh PID namespace, then fails the
// run if any process the tests started is still alive. In the namespace, /proc lists only processes
// of this run, so the check cannot confuse them with the machine's own services. Cgroups the tests
// made (named after this run's id, see test/helpers/cgroups.ts) must be gone too.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "..");
const INSIDE = "CORRAL_TEST_PIDNS";

function canUnshare() {
  const probe = spawnSync("unshare", ["--pid", "--fork", "--kill-child", "--mount-proc", "true"], {
    stdio: "ignore",
  });
  return probe.status === 0;
}

if (process.env[INSIDE] === undefined && process.platform === "linux" && canUnshare()) {
  const run = spawnSync(
    "unshare",
    ["--pid", "--fork", "--kill-child", "--mount-proc", process.execPath, ...process.argv.slice(1)],
    { stdio: "inherit", env: { ...process.env, [INSIDE]: "1" } },
  );
  process.exit(run.status ?? 1);
}
if (process.env[INSIDE] === undefined) {
  console.error("run-tests: no PID namespace here (unshare failed); the final leftover check is skipped");
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith(".test.js")) yield path;
  }
}

const filters = process.argv.slice(2);
const files = [...walk(join(repo, "dist"))]
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
const runId = randomBytes(4).toString("hex");
const result = spawnSync(
  process.execPath,
  ["--test", "--test-concurrency=1", "--test-timeout=600000", ...files],
  { stdio: "inherit", cwd: repo, env: { ...process.env, CORRAL_TEST_RUN: runId } },
);

const leftovers = [];
if (process.env[INSIDE] !== undefined) {
  const mine = new Set([process.pid, 1]);
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || mine.has(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "Z" || state === "X") continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      leftovers.push(`${pid} ${cmdline}`);
    } catch {
      // Gone while we looked: not a leftover.
    }
  }
}
if (process.platform === "linux") {
  const found = spawnSync(
    "find",
    ["/sys/fs/cgroup", "-maxdepth", "7", "-type", "d", "-name", `t${runId}-*`],
    { encoding: "utf8" },
  );
  for (const folder of (found.stdout ?? "").split("\n").filter((line) => line !== "")) {
    leftovers.push(`cgroup ${folder}`);
  }
}
if (leftovers.length > 0) {
  console.error(
    `run-tests: ${leftovers.length} process(es) or cgroup(s) outlived the tests:\n  ${leftovers.join("\n  ")}`,
  );
  process.exit(1);
}
process.exit(result.status ?? 1);
