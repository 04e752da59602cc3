// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, pinned in devDependencies)
// against a Streamable HTTP endpoint and reads the verdicts from its -o folder, where the failure reasons
// are: its own stdout only counts checks. CLI and library:
//   node test/conformance/run-conformance.mjs --url http://127.0.0.1:PORT/mcp [--out DIR] [--scenario NAME]…
// prints `PASS name` / `FAIL name: reason` per scenario and `conformance: N/M scenarios passed (K checks)`,
// and exits 0 only if every scenario passed. No --scenario runs the suite's active server scenarios.
// The suite runs on this Node (0.1.13 is the newest that runs on Node 20); CONFORMANCE_NODE names another.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const SUITE_PACKAGE = "@modelcontextprotocol/conformance";
const DEFAULT_TIMEOUT_MS = 180_000;
const LOG_NAME = "suite-output.log";
// The suite names each result folder server-<scenario>-<ISO time with ":" and "." made "-">.
const RESULT_DIR = /^server-(.+)-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/;
const SCENARIO_BANNER = /^=== Running scenario: (\S+) ===$/gm;

/** Path of the suite's CLI entry point, from its package.json "bin". */
export async function findSuiteCli() {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve(`${SUITE_PACKAGE}/package.json`);
  const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin.conformance;
  return { cli: join(dirname(manifestPath), bin), version: manifest.version };
}

/**
 * Runs the suite's server scenarios against url. Resolves with
 * `{ passed: string[], failed: {name, reason}[], total, checks, outDir, version }`; a scenario fails when
 * any of its checks has status FAILURE or it left no checks.json. Without outDir the results go to a
 * temporary folder, removed when every scenario passed and kept (and returned) otherwise.
 */
export async function runConformance({
  url,
  outDir,
  scenarios = [],
  signal,
  timeoutMs = DEFAULT_TIMEOUT_MS,
}) {
  const ownOutDir = outDir === undefined;
  const dir = ownOutDir ? await mkdtemp(join(tmpdir(), "corral-conformance-")) : resolve(outDir);
  await mkdir(dir, { recursive: true });
  const { cli, version } = await findSuiteCli();
  const startedAt = Date.now();
  const log = createWriteStream(join(dir, LOG_NAME), { flags: "a" });
  const runs = scenarios.length === 0 ? [[]] : scenarios.map((name) => ["--scenario", name]);
  const ran = [];
  // Why a scenario may have left no checks.json: how its run ended and what it first said on stderr.
  const endings = new Map();
  try {
    for (const extra of runs) {
      const args = [cli, "server", "--url", url, "-o", dir, ...extra];
      const { stdout, ending } = await runSuite(args, log, { signal, timeoutMs });
      const banners = [...stdout.matchAll(SCENARIO_BANNER)].map((match) => match[1]);
      const names = extra.length > 0 ? [extra[1]] : banners;
      if (names.length === 0)
        throw new Error(`the suite ran no scenario (${ending}); see ${join(dir, LOG_NAME)}`);
      for (const name of names) endings.set(name, ending);
      ran.push(...names);
    }
  } finally {
    await new Promise((done) => log.end(done));
  }

  const results = await readResults(dir, startedAt);
  const passed = [];
  const failed = [];
  let checks = 0;
  for (const name of ran) {
    const result = results.get(name);
    if (result === undefined) {
      failed.push({ name, reason: `no checks.json (${endings.get(name)}); see ${join(dir, LOG_NAME)}` });
      continue;
    }
    checks += result.checks;
    if (result.failure === undefined) passed.push(name);
    else failed.push({ name, reason: result.failure });
  }
  if (ownOutDir && failed.length === 0) await rm(dir, { recursive: true, force: true });
  return { passed, failed, total: ran.length, checks, outDir: dir, version };
}

/** Spawns the suite once; resolves with its stdout when it exits, whatever its exit code. */
function runSuite(args, log, { signal, timeoutMs }) {
  const node = process.env.CONFORMANCE_NODE ?? process.execPath;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderrHead = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      log.write(chunk);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      if (stderrHead.length < 2000) stderrHead += chunk;
      log.write(chunk);
    });
    const stop = (why) => {
      child.kill("SIGKILL");
      reject(new Error(`conformance suite ${why}: ${args.slice(1).join(" ")}`));
    };
    const timer = setTimeout(() => stop(`timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => stop("aborted");
    signal?.addEventListener("abort", onAbort, { once: true });
    child.once("error", (error) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    });
    child.once("close", (code, signalName) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      // The suite's first stderr lines name the problem (a validation error, a stack's message).
      const said = stderrHead
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "")
        .slice(0, 2)
        .join(" ");
      const ending = signalName === null ? `exit code ${code}` : `signal ${signalName}`;
      resolvePromise({ stdout, ending: said ? `${ending}, stderr: ${said}` : ending });
    });
    if (signal?.aborted) onAbort();
  });
}

/** The newest result of each scenario written since startedAt: its check count and first failure. */
async function readResults(dir, startedAt) {
  const newest = new Map();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const match = entry.isDirectory() ? RESULT_DIR.exec(entry.name) : null;
    if (match === null) continue;
    const [, name, day, hours, minutes, seconds, millis] = match;
    const at = Date.parse(`${day}T${hours}:${minutes}:${seconds}.${millis}Z`);
    if (at < startedAt || (newest.get(name)?.at ?? -1) > at) continue;
    newest.set(name, { at, path: join(dir, entry.name, "checks.json") });
  }
  const results = new Map();
  for (const [name, { path }] of newest) {
    let list;
    try {
      list = JSON.parse(await readFile(path, "utf8"));
    } catch {
      continue;
    }
    const verdicts = list.filter((check) => check.status === "SUCCESS" || check.status === "FAILURE");
    const first = list.find((check) => check.status === "FAILURE");
    const failure =
      first === undefined ? undefined : `${first.id}: ${first.errorMessage ?? first.description}`;
    results.set(name, { checks: verdicts.length, failure });
  }
  return results;
}

/** The per-scenario lines and the summary line the CLI prints. */
export function formatReport({ passed, failed, total, checks }) {
  const failures = new Map(failed.map(({ name, reason }) => [name, reason]));
  const lines = [];
  for (const name of [...passed, ...failures.keys()]) {
    lines.push(failures.has(name) ? `FAIL ${name}: ${failures.get(name)}` : `PASS ${name}`);
  }
  lines.push(`conformance: ${passed.length}/${total} scenarios passed (${checks} checks)`);
  return lines;
}

async function main() {
  const usage = "usage: node test/conformance/run-conformance.mjs --url URL [--out DIR] [--scenario NAME]...";
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: "string" },
        out: { type: "string" },
        scenario: { type: "string", multiple: true },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    console.error(`${error.message}\n${usage}`);
    process.exit(2);
  }
  if (values.help || values.url === undefined) {
    (values.help ? console.log : console.error)(usage);
    process.exit(values.help ? 0 : 2);
  }
  const result = await runConformance({ url: values.url, outDir: values.out, scenarios: values.scenario });
  for (const line of formatReport(result)) console.log(line);
  if (result.failed.length > 0) console.log(`conformance: results kept in ${result.outDir}`);
  process.exit(result.failed.length === 0 && result.total > 0 ? 0 : 1);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`conformance: ${error.message}`);
    process.exit(1);
  });
}
