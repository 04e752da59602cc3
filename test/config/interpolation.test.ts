// ${VAR} interpolation, the built-in variables, and envFile merging.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config text spells ${VAR} literally
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CONFIG_DIR, expectConfig, expectIssues, lines } from "./load-text.js";

describe("interpolation", () => {
  it("substitutes variables, defaults and escapes in string values only", () => {
    const text = lines(
      "servers:",
      "  fs:",
      "    command: ${BIN}/server",
      '    args: ["${MISSING:-fallback}", "${EMPTY:-used}", "${SET:-unused}", "$${literal}", "cost: $5", "${EMPTY}"]',
      "    env:",
      "      ${KEY}: value",
    );
    const [server] = expectConfig(text, {
      env: { BIN: "/opt/bin", EMPTY: "", SET: "set", KEY: "x" },
    }).servers;
    assert.equal(server?.command, "/opt/bin/server");
    assert.deepEqual(server?.args, ["fallback", "used", "set", "${literal}", "cost: $5", ""]);
    assert.deepEqual(server?.env, { "${KEY}": "value" });
  });

  it("provides CORRAL_CONFIG_DIR and CORRAL_STATE_DIR, which win over the environment", () => {
    const text = lines(
      "gateway: { stateDir: '${CORRAL_CONFIG_DIR}/state' }",
      "servers:",
      "  memory:",
      "    command: ${CORRAL_CONFIG_DIR}/bin/memory",
      "    cwd: ${CORRAL_STATE_DIR}/files",
      "    env: { FILE: '${CORRAL_STATE_DIR}/memory.jsonl' }",
    );
    const config = expectConfig(text, {
      env: { CORRAL_CONFIG_DIR: "/elsewhere", CORRAL_STATE_DIR: "/elsewhere" },
    });
    assert.equal(config.gateway.stateDir, `${CONFIG_DIR}/state`);
    const [server] = config.servers;
    assert.equal(server?.command, `${CONFIG_DIR}/bin/memory`);
    assert.equal(server?.cwd, `${CONFIG_DIR}/state/files`);
    assert.deepEqual(server?.env, { FILE: `${CONFIG_DIR}/state/memory.jsonl` });
  });

  it("uses the overridden state dir for CORRAL_STATE_DIR", () => {
    const text = lines("servers:", "  fs: { command: x, env: { S: '${CORRAL_STATE_DIR}' } }");
    const [server] = expectConfig(text, { overrides: { stateDir: "/run/corral" } }).servers;
    assert.deepEqual(server?.env, { S: "/run/corral" });
  });

  it("types numbers that come from variables", () => {
    const text = lines(
      "gateway: { port: '${PORT:-8123}' }",
      "servers:",
      "  fs: { command: x, replicas: '${N}' }",
    );
    const config = expectConfig(text, { env: { N: "3" } });
    assert.equal(config.gateway.port, 8123);
    assert.equal(config.servers[0]?.replicas, 3);
  });

  it("hints at quoting ${...} inside a flow collection", () => {
    const [issue] = expectIssues(lines("servers:", "  fs: { command: ${BIN}/x }"));
    assert.equal(
      issue?.message,
      "YAML syntax error: Unexpected flow-map-start at node end (inside [ ] or { }, put values that use ${...} in quotes)",
    );
  });

  it("reports every unresolvable reference", () => {
    const text = lines(
      "servers:",
      "  fs:",
      "    command: ${A}/${B}",
      "    args: ['${', '${1x}', '${workspaceFolder}']",
    );
    assert.deepEqual(
      expectIssues(text).map((issue) => `${issue.line}:${issue.column} ${issue.path} ${issue.message}`),
      [
        "3:14 servers.fs.command ${A} is not set; export it or write ${A:-default}",
        "3:14 servers.fs.command ${B} is not set; export it or write ${B:-default}",
        '4:12 servers.fs.args.0 "${" is never closed; write $${ for a literal ${',
        '4:18 servers.fs.args.1 "${1x}" is not a variable reference; use ${NAME} or ${NAME:-default}',
        "4:27 servers.fs.args.2 ${workspaceFolder} is a VS Code variable; use ${CORRAL_CONFIG_DIR} or an absolute path",
      ],
    );
  });
});

describe("envFile", () => {
  it("merges the file under env and reports malformed lines in the file itself", () => {
    const dir = mkdtempSync(join(tmpdir(), "corral-config-"));
    try {
      const dotenv = [
        "# secrets",
        "export TOKEN=abc",
        'MULTI="a\\nb" # comment',
        "SINGLE='$not ${interpolated}'",
        "PLAIN=value # comment",
        "SHARED=from-file",
        "",
      ].join("\n");
      writeFileSync(join(dir, ".env"), dotenv);
      const file = join(dir, "corral.yaml");
      const text = lines(
        "servers:",
        "  fs:",
        "    command: x",
        "    envFile: .env",
        "    env: { SHARED: from-config }",
      );
      const [server] = expectConfig(text, { file }).servers;
      assert.deepEqual(server?.env, {
        TOKEN: "abc",
        MULTI: "a\nb",
        SINGLE: "$not ${interpolated}",
        PLAIN: "value",
        SHARED: "from-config",
      });

      writeFileSync(join(dir, "bad.env"), "OK=1\nnot an assignment\nQ='open\n");
      const bad = lines("servers:", "  fs:", "    command: x", "    envFile: bad.env");
      assert.deepEqual(expectIssues(bad, { file }), [
        {
          file: join(dir, "bad.env"),
          path: "servers.fs.envFile",
          line: 2,
          column: 1,
          message: "expected KEY=VALUE",
        },
        {
          file: join(dir, "bad.env"),
          path: "servers.fs.envFile",
          line: 3,
          column: 3,
          message: "the value of Q has no closing '",
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
