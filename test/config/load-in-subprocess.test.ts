// `corral up` loads its config in a short-lived node process: the result that comes back over IPC (a
// structured clone) must equal what loadConfigFile returns in-process, for good files, bad files and
// missing ones, so `corral up` and `corral validate` cannot drift apart.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config text spells ${VAR} literally
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type LoadConfigOptions, loadConfigFile } from "../../src/config/index.js";
import { loadConfigFileInSubprocess } from "../../src/config/runtime.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "corral-loader-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function assertSameResult(path: string, options: LoadConfigOptions) {
  const inProcess = await loadConfigFile(path, options);
  const apart = await loadConfigFileInSubprocess(path, options);
  // Strict: prototypes, undefined-valued keys and key order (server order) must survive the clone.
  assert.deepStrictEqual(apart, inProcess);
  assert.deepStrictEqual(Object.keys(apart), Object.keys(inProcess));
  return apart;
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("loadConfigFileInSubprocess", () => {
  for (const name of readdirSync(join(repo, "examples")).filter((file) => /\.(ya?ml|json)$/.test(file))) {
    it(`examples/${name}: the same runtime config as in-process`, async () => {
      const result = await assertSameResult(join(repo, "examples", name), { env: { HOME: "/home/x" } });
      assert.ok(result.ok);
    });
  }

  it("every section, units, paths, env files, overrides, warnings and null/false values", async () => {
    write(".env.shell", "TOKEN=from-env-file\nOTHER=1\n");
    const path = write(
      "corral.yaml",
      [
        'gateway: { host: 0.0.0.0, port: 0, stateDir: "${STATE}", maxProcesses: 200, separator: . }',
        "servers:",
        "  zeta:",
        "    command: ./bin/shell",
        "    args: [--port, 8080, '${HOME}/x']",
        "    cwd: work",
        "    env: { DEBUG: true, LEVEL: 3 }",
        "    envFile: .env.shell",
        "    inheritEnv: [HOME, PATH]",
        "    mode: per-session",
        "    start: lazy",
        "    restart: { initialDelay: 500ms, maxDelay: 1m30s, resetAfter: 1h, maxFailures: 3 }",
        "    stop: { stdinGrace: 0, termGrace: 1.5s }",
        "    limits: { memory: 512Mi, cpu: 0.5, pids: 64, enforce: best-effort }",
        "    sandbox: { network: host, readOnly: [data, /etc/ssl], writable: [out], tmp: host }",
        "    tools: { allow: [run], deny: [rm] }",
        "    alwaysAllow: [run]",
        "  '1':",
        "    url: https://mcp.example.com/mcp",
        "    headers: { Authorization: Bearer abc }",
        "    idleTimeout: never",
        "    mode: per-session",
        "    prefix: false",
        "  box: { runtime: container, image: alpine, args: [serve] }",
        "",
      ].join("\n"),
    );
    const options = {
      env: { HOME: "/home/x", STATE: join(dir, "state"), UNSET: undefined },
      overrides: { port: 12_345, stateDir: join(dir, "override") },
    };
    const result = await assertSameResult(path, options);
    assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.issues));
    assert.deepEqual(
      result.config.servers.map((server) => server.name),
      ["zeta", "1", "box"],
    );
    assert.equal(result.config.servers[1]?.idleTimeoutMs, null);
    assert.equal(result.config.servers[1]?.prefix, false);
    assert.equal(result.config.servers[0]?.env.TOKEN, "from-env-file");
    assert.ok(result.warnings.length > 0, "the ignored alwaysAllow is a warning");
  });

  it("a rejected file: the same issues, lines and columns", async () => {
    const path = write("bad.yaml", "servers:\n  fs:\n    command: npx\n    argz: [x]\n    env: ${NOPE}\n");
    const result = await assertSameResult(path, { env: {} });
    assert.equal(result.ok, false);
  });

  it("a request that cannot be sent rejects, and the loader process is stopped", async () => {
    const env = { F: (() => "x") as unknown as string };
    await assert.rejects(
      loadConfigFileInSubprocess(join(dir, "corral.yaml"), { env }),
      /could not be cloned/,
    );
  });

  it("a syntax error in JSON and a missing file", async () => {
    await assertSameResult(write("mcp.json", '{"mcpServers": {"fs": {"command": "x"}'), { env: {} });
    await assertSameResult(join(dir, "nowhere.yaml"), { env: {} });
  });
});
