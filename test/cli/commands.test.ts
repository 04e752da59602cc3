// The real binary's validate and ps commands, human and --json output, exit codes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { CORRAL_BIN, REPO_ROOT, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";

function corral(args: string[], env: Record<string, string | undefined> = {}, cwd = REPO_ROOT) {
  const result = spawnSync(process.execPath, [CORRAL_BIN, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("corral validate", () => {
  test("the bundled example is valid", () => {
    const result = corral(["validate", "examples/corral.yaml"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /ok, 4 servers \(everything, memory, filesystem, sequential-thinking\)/);
  });

  test("a broken file: every problem at once, with file:line:column, path and hint; exit 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "corral-validate-"));
    const path = join(dir, "broken.yaml");
    writeFileSync(
      path,
      [
        "servers:",
        "  fs:",
        "    command: mcp-server-filesystem",
        "    argz: [/tmp]",
        "  db:",
        "    command: postgres-mcp",
        "    env:",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${VAR} syntax
        "      PGPASS: ${PGPASS_FOR_CORRAL_TEST}",
        "  web:",
        "    command: web-mcp",
        "    limits:",
        "      memory: 256MB",
        "",
      ].join("\n"),
    );
    const result = corral(["validate", path], { PGPASS_FOR_CORRAL_TEST: undefined });
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 4, result.stderr);
    assert.match(lines[0] ?? "", /broken\.yaml:4:5 +servers\.fs\.argz +unknown key; did you mean "args"\?/);
    assert.match(
      lines[1] ?? "",
      /broken\.yaml:8:\d+ +servers\.db\.env\.PGPASS +\$\{PGPASS_FOR_CORRAL_TEST\} is not set; export it or write \$\{PGPASS_FOR_CORRAL_TEST:-default\}/,
    );
    assert.match(
      lines[2] ?? "",
      /broken\.yaml:12:\d+ +servers\.web\.limits\.memory +"256MB" is not a size; use 256Mi or 1Gi/,
    );
    assert.equal(lines[3], "3 errors");
  });

  test("--json prints the issues as data", () => {
    const dir = mkdtempSync(join(tmpdir(), "corral-validate-"));
    const path = join(dir, "corral.yaml");
    writeFileSync(path, "servers:\n  x:\n    comand: foo\n");
    const result = corral(["validate", "--json", path]);
    assert.equal(result.code, 1);
    const body = JSON.parse(result.stdout) as { ok: boolean; issues: { path: string; line: number }[] };
    assert.equal(body.ok, false);
    assert.ok(body.issues.some((issue) => issue.path === "servers.x.comand" && issue.line === 3));
  });

  test("corral up reports a broken or missing file exactly as validate does, and exits 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "corral-validate-"));
    const broken = join(dir, "broken.yaml");
    writeFileSync(
      broken,
      "servers:\n  fs:\n    command: x\n    argz: [/tmp]\n    limits: { memory: 256MB }\n  b: { url: 1 }\n",
    );
    const json = join(dir, "mcp.json");
    writeFileSync(json, '{"mcpServers": {"fs": {"command": "x"}');
    for (const path of [broken, json, join(dir, "missing.yaml")]) {
      const validate = corral(["validate", path]);
      const up = corral(["up", "--config", path, "--port", "0", "--state-dir", join(dir, "state")]);
      assert.equal(validate.code, 1);
      assert.equal(up.code, 1);
      assert.ok(validate.stderr.length > 0);
      assert.equal(up.stderr, validate.stderr);
      assert.equal(up.stdout, "");
    }
  });

  test("no FILE and no ./corral.yaml: a usage error saying so (exit 2), not a check of the bundled example", () => {
    const dir = mkdtempSync(join(tmpdir(), "corral-validate-"));
    const none = corral(["validate"], {}, dir);
    assert.equal(none.code, 2);
    assert.equal(none.stdout, "");
    assert.equal(
      none.stderr,
      `corral validate: no ./corral.yaml in ${dir} (nor corral.yml or corral.json); pass the file to check: corral validate FILE; see corral validate --help\n`,
    );
    // With ./corral.yaml there, that is the file checked.
    writeFileSync(join(dir, "corral.yaml"), "servers:\n  one:\n    command: node\n");
    const found = corral(["validate"], {}, dir);
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.stdout, `${join(dir, "corral.yaml")}: ok, 1 server (one)\n`);
  });

  test("usage errors exit 2", () => {
    assert.equal(corral(["nonsense"]).code, 2);
    assert.equal(corral(["validate", "--bogus"]).code, 2);
    assert.equal(corral(["up", "--port", "99999"]).code, 2);
  });
});

describe("corral ps", () => {
  test("a table like docker ps, and --json with the API's shape", async () => {
    const fast = { restart: { initialDelay: "5s" } };
    const { path } = writeFixtureConfig({
      alpha: { fixture: "healthy" },
      broken: { fixture: "crash-on-start", extra: fast },
    });
    await using gateway = await runCorral(["up", "--config", path]);
    // The tool count appears once the gateway fetched the server's list, just after it is ready.
    await waitFor(
      () =>
        (JSON.parse(corral(["ps", "--json", "--url", gateway.url]).stdout) as { tools: number | null }[])[0]
          ?.tools === 2,
      {
        what: "alpha's tool count",
      },
    );
    const table = corral(["ps", "--url", gateway.url]);
    assert.equal(table.code, 0, table.stderr);
    const [header, ...rows] = table.stdout.trim().split("\n");
    assert.match(header ?? "", /^NAME +STATE +INST +PID +UPTIME +RESTARTS +MEMORY +TOOLS$/);
    assert.match(rows[0] ?? "", /^alpha +ready +1\/1 +\d+ +\d+s +0 +\d+ MiB +2$/);
    assert.match(
      rows[1] ?? "",
      /^broken +backoff +0\/1 +- +- +0 +- +- +exit code 1: fatal: crash-on-start fixture \(before initialize\); next try in [\d.]+s$/,
    );

    const json = corral(["ps", "--json"], { CORRAL_URL: gateway.url });
    assert.equal(json.code, 0);
    const servers = JSON.parse(json.stdout) as {
      name: string;
      state: string;
      instances: { pid: number | null }[];
    }[];
    assert.deepEqual(
      servers.map((server) => [server.name, server.state]),
      [
        ["alpha", "ready"],
        ["broken", "backoff"],
      ],
    );
    assert.equal(typeof servers[0]?.instances[0]?.pid, "number");
  });

  test("no gateway: a clear error and exit 1", () => {
    const result = corral(["ps", "--url", "http://127.0.0.1:1"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /no gateway answered at http:\/\/127\.0\.0\.1:1 .*start one with corral up, or pass --url/,
    );
  });
});

describe("corral start, stop, restart", () => {
  test("stop and start a server, --json too; no-ops exit 0; restart a failed one; unknown names are exit 1", async () => {
    const { path } = writeFixtureConfig({
      alpha: { fixture: "healthy" },
      crashy: {
        fixture: "crash-on-start",
        extra: { restart: { initialDelay: "20ms", maxDelay: "40ms", maxFailures: 2 } },
      },
      off: { fixture: "healthy", extra: { disabled: true } },
    });
    await using gateway = await runCorral(["up", "--config", path]);
    const state = async (name: string) => {
      const result = corral(["ps", "--json", "--url", gateway.url]);
      return (JSON.parse(result.stdout) as { name: string; state: string; reason: string }[]).find(
        (s) => s.name === name,
      );
    };
    await waitFor(async () => (await state("alpha"))?.state === "ready", { what: "alpha ready" });
    const running = corral(["start", "alpha", "--url", gateway.url]);
    assert.equal(running.code, 0, running.stderr);
    assert.match(running.stdout, /^alpha: already ready \(/m);
    const stopped = corral(["stop", "alpha", "--url", gateway.url]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(
      stopped.stdout,
      /^alpha: stopped \(stopped by an operator \(stop requested over the API; exited on stdin close in \d+ms\); start it with `corral start alpha`\)$/m,
    );
    assert.equal((await state("alpha"))?.state, "stopped");
    // The stop holds until start, and ps says so.
    assert.match(
      corral(["ps", "--url", gateway.url]).stdout,
      /^alpha +stopped \(held\) +0\/1 .*stopped by an operator/m,
    );
    const again = corral(["stop", "alpha", "--json", "--url", gateway.url]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      { ...(JSON.parse(again.stdout) as Record<string, unknown>), reason: "" },
      { server: "alpha", action: "stop", changed: false, state: "stopped", reason: "" },
    );
    const started = corral(["start", "alpha", "--json", "--url", gateway.url]);
    assert.equal(started.code, 0, started.stderr);
    const startedBody = JSON.parse(started.stdout) as { action: string; changed: boolean; state: string };
    assert.deepEqual([startedBody.action, startedBody.changed], ["start", true]);
    assert.notEqual(startedBody.state, "stopped");
    await waitFor(async () => (await state("alpha"))?.state === "ready", { what: "alpha ready again" });

    await waitFor(async () => (await state("crashy"))?.state === "failed", { what: "crashy failed" });
    const restarted = corral(["restart", "crashy", "--json", "--url", gateway.url]);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.notEqual((JSON.parse(restarted.stdout) as { state: string }).state, "failed");
    await waitFor(async () => (await state("crashy"))?.state === "failed", { what: "crashy failed again" });

    const conflict = corral(["start", "off", "--url", gateway.url]);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /server "off" is disabled in the config; enable it there to start it/);

    const unknown = corral(["restart", "nope", "--url", gateway.url]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no server named "nope"; see corral ps/);
    assert.equal(corral(["restart", "--url", gateway.url]).code, 2);
  });

  test("start|restart --wait: exit 0 once ready, exit 1 with the reason on backoff or failed, exit 1 when --timeout runs out", async () => {
    const { path } = writeFixtureConfig({
      alpha: { fixture: "slow-start", args: ["300"] },
      crashy: { fixture: "crash-on-start", extra: { restart: { initialDelay: "10s" } } },
      sluggish: { fixture: "slow-start", args: ["30000"], extra: { start: "lazy" } },
    });
    await using gateway = await runCorral(["up", "--config", path]);
    const restarted = corral(["restart", "alpha", "--wait", "--url", gateway.url]);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.match(restarted.stdout, /^alpha: ready \(initialize ok in \d+ms\)\n$/);

    const crashed = corral(["restart", "crashy", "--wait", "--timeout", "20s", "--url", gateway.url]);
    assert.equal(crashed.code, 1, crashed.stderr);
    assert.match(
      crashed.stdout,
      /^crashy: backoff \(exit code 1: fatal: crash-on-start fixture \(before initialize\); next try in [\d.]+s\)\n$/,
    );
    const json = corral(["start", "crashy", "--wait", "--json", "--url", gateway.url]);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { state: string }).state, "backoff");

    const slow = corral(["start", "sluggish", "--wait", "--timeout", "500ms", "--url", gateway.url]);
    assert.equal(slow.code, 1);
    assert.match(slow.stdout, /^sluggish: starting \(/);
    assert.match(
      slow.stderr,
      /sluggish is still starting after 500ms; see corral logs sluggish, or pass a longer --timeout/,
    );

    assert.equal(corral(["start", "alpha", "--wait", "--timeout", "soon", "--url", gateway.url]).code, 2);
    assert.equal(corral(["start", "alpha", "--timeout", "5s", "--url", gateway.url]).code, 2);
  });
});
