// Each rejected config is checked for its exact message, dotted path and line:column.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config text spells ${VAR} literally
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CONFIG_FILE, expectIssues, lines } from "./load-text.js";

interface Case {
  readonly name: string;
  readonly text: string;
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly file?: string;
}

const cases: Case[] = [
  {
    name: "unknown key with a typo hint",
    text: lines("servers:", "  fs:", "    command: npx", "    argz: [x]"),
    path: "servers.fs.argz",
    line: 4,
    column: 5,
    message: 'unknown key; did you mean "args"?',
  },
  {
    name: "unknown top-level key",
    text: lines("servers:", "  fs: { command: x }", "extra: 1"),
    path: "extra",
    line: 3,
    column: 1,
    message: "unknown key; allowed here: $schema, version, servers, mcpServers, gateway, envFile, inputs",
  },
  {
    name: "misspelt top-level key",
    text: lines("server:", "  fs: { command: x }"),
    path: "server",
    line: 1,
    column: 1,
    message: 'unknown key; did you mean "servers"?',
  },
  {
    name: "gateway.readiness names a server that does not exist",
    text: lines(
      "gateway:",
      "  readiness: [fs, memroy]",
      "servers:",
      "  fs: { command: x }",
      "  memory: { command: y }",
    ),
    path: "gateway.readiness.1",
    line: 2,
    column: 19,
    message: 'no server named "memroy"; did you mean "memory"?',
  },
  {
    name: "gateway.readiness is neither all, any nor a list",
    text: lines("gateway:", "  readiness: al", "servers:", "  fs: { command: x }"),
    path: "gateway.readiness",
    line: 2,
    column: 14,
    message: 'expected all, any or a list of server names, got "al"; did you mean "all"?',
  },
  {
    name: "wrong type",
    text: lines("servers:", "  fs:", "    command: npx", '    args: "-y"'),
    path: "servers.fs.args",
    line: 4,
    column: 11,
    message: "expected a list of strings, got a string",
  },
  {
    name: "missing command",
    text: lines("servers:", "  fs:", "    args: [x]"),
    path: "servers.fs",
    line: 2,
    column: 3,
    message: 'stdio server needs "command"',
  },
  {
    name: "unset variable",
    text: lines("servers:", "  db:", "    command: psql", "    env:", "      PGPASS: ${PGPASS}"),
    path: "servers.db.env.PGPASS",
    line: 5,
    column: 15,
    message: "${PGPASS} is not set; export it or write ${PGPASS:-default}",
  },
  {
    name: "duplicate server name",
    text: lines("servers:", "  fs:", "    command: a", "  fs:", "    command: b"),
    path: "servers.fs",
    line: 4,
    column: 3,
    message: 'duplicate server name "fs" (first defined on line 2)',
  },
  {
    name: "duplicate key in JSON",
    text: '{"mcpServers": {\n  "fs": {"command": "a"},\n  "fs": {"command": "b"}\n}}\n',
    file: "claude.json",
    path: "mcpServers.fs",
    line: 3,
    column: 3,
    message: 'duplicate server name "fs" (first defined on line 2)',
  },
  {
    name: "bad duration",
    text: lines("servers:", "  fs:", "    command: x", "    startupTimeout: 5 seconds"),
    path: "servers.fs.startupTimeout",
    line: 4,
    column: 21,
    message: '"5 seconds" is not a duration; use 500ms, 2s or 10m',
  },
  {
    name: "duration without a unit",
    text: lines("servers:", "  fs:", "    command: x", "    requestTimeout: 30"),
    path: "servers.fs.requestTimeout",
    line: 4,
    column: 21,
    message: "30 has no unit; write 30s or 30ms",
  },
  {
    name: "bad size",
    text: lines("servers:", "  fs:", "    command: x", "    limits:", "      memory: 256MB"),
    path: "servers.fs.limits.memory",
    line: 5,
    column: 15,
    message: '"256MB" is not a size; use 256Mi or 1Gi',
  },
  {
    name: "bad enum",
    text: lines("servers:", "  fs:", "    command: x", "    mode: shard"),
    path: "servers.fs.mode",
    line: 4,
    column: 11,
    message: 'expected shared or per-session, got "shard"; did you mean "shared"?',
  },
  {
    name: "port out of range",
    text: lines("gateway:", "  port: 70000", "servers: {}"),
    path: "gateway.port",
    line: 2,
    column: 9,
    message: "must be at most 65535, got 70000",
  },
  {
    name: "restart maxDelay below initialDelay",
    text: lines(
      "servers:",
      "  fs:",
      "    command: x",
      "    restart:",
      "      initialDelay: 5s",
      "      maxDelay: 2s",
    ),
    path: "servers.fs.restart.maxDelay",
    line: 6,
    column: 17,
    message: "maxDelay (2s) is shorter than initialDelay (5s)",
  },
  {
    name: "replicas with per-session",
    text: lines("servers:", "  fs:", "    command: x", "    mode: per-session", "    replicas: 3"),
    path: "servers.fs.replicas",
    line: 5,
    column: 15,
    message: "replicas cannot be combined with mode: per-session; each session has its own instance",
  },
  {
    name: "http without url",
    text: lines("servers:", "  api:", "    transport: http"),
    path: "servers.api",
    line: 2,
    column: 3,
    message: 'http server needs "url"',
  },
  {
    name: "stdio with url",
    text: lines("servers:", "  fs:", "    command: x", "    url: http://localhost:3000/mcp"),
    path: "servers.fs.url",
    line: 4,
    column: 10,
    message: 'a stdio server has no "url"; remove it or set transport: http',
  },
  {
    name: "url that is not http(s)",
    text: lines("servers:", "  api:", "    url: ftp://example.com/mcp"),
    path: "servers.api.url",
    line: 3,
    column: 10,
    message: '"ftp://example.com/mcp" is not an http(s) URL',
  },
  {
    name: "bad server name",
    text: lines("servers:", "  my server:", "    command: x"),
    path: "servers.my server",
    line: 2,
    column: 3,
    message:
      '"my server" is not a valid server name; use letters, digits, _ and - (at most 64, starting with a letter or digit)',
  },
  {
    name: "server name containing the separator",
    text: lines("servers:", "  fs__v2:", "    command: x"),
    path: "servers.fs__v2",
    line: 2,
    column: 3,
    message: 'server name "fs__v2" contains the separator "__"; rename it or change gateway.separator',
  },
  {
    name: "health timeout longer than interval",
    text: lines("servers:", "  fs:", "    command: x", "    health: { interval: 10s, timeout: 20s }"),
    path: "servers.fs.health.timeout",
    line: 4,
    column: 39,
    message: "timeout (20s) is longer than interval (10s)",
  },
  {
    name: "VS Code input variable",
    text: '{"servers": {"gh": {"command": "gh-mcp", "env": {"TOKEN": "${input:token}"}}}}\n',
    file: "mcp.json",
    path: "servers.gh.env.TOKEN",
    line: 1,
    column: 59,
    message: "${input:token}: VS Code input variables are not supported; put the value in env or use ${VAR}",
  },
  {
    name: "servers and mcpServers together",
    text: lines("servers: { a: { command: x } }", "mcpServers: { b: { command: y } }"),
    path: "mcpServers",
    line: 2,
    column: 1,
    message: 'use "servers" or "mcpServers", not both',
  },
  {
    name: "type and transport that disagree",
    text: lines("servers:", "  api:", "    url: http://x/mcp", "    transport: http", "    type: sse"),
    path: "servers.api.type",
    line: 5,
    column: 11,
    message: '"type" says sse but "transport" says http; keep one',
  },
  {
    name: "YAML syntax error",
    text: lines("servers:", "  fs:", "    command: [x", "  db: {}"),
    path: "",
    line: 4,
    column: 3,
    message:
      "YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
  },
  {
    name: "JSON syntax error",
    text: '{\n  "mcpServers": {\n    "fs": {"command": "x" "args": []}\n  }\n}\n',
    file: "claude.json",
    path: "",
    line: 3,
    column: 27,
    message: 'JSON syntax error: unexpected "\\""; expected "," or "}"',
  },
  {
    name: "top level that is not a map",
    text: lines("- fs", "- db"),
    path: "",
    line: 1,
    column: 1,
    message: "expected a map with servers: at the top level, got a list",
  },
];

describe("rejected configs", () => {
  for (const entry of cases) {
    it(entry.name, () => {
      const file = entry.file ?? CONFIG_FILE;
      const issues = expectIssues(entry.text, { file });
      const { path, line, column, message } = entry;
      assert.deepEqual(issues, [{ file, path, line, column, message }]);
    });
  }

  it("reports every problem of a file at once, sorted by line", () => {
    const text = lines(
      "servers:",
      "  fs:",
      "    command: npx",
      "    argz: [x]",
      "  web:",
      "    command: x",
      "    limits: { memory: 256MB }",
      "gateway:",
      "  port: -1",
    );
    const issues = expectIssues(text);
    assert.deepEqual(
      issues.map((issue) => `${issue.line}:${issue.column} ${issue.path} ${issue.message}`),
      [
        '4:5 servers.fs.argz unknown key; did you mean "args"?',
        '7:23 servers.web.limits.memory "256MB" is not a size; use 256Mi or 1Gi',
        "9:9 gateway.port must be at least 0, got -1",
      ],
    );
  });

  it("rejects an empty file, even with comments", () => {
    for (const text of ["\n\n", "# servers:\n#   fs: { command: x }\n"]) {
      assert.deepEqual(expectIssues(text), [
        { file: CONFIG_FILE, path: "", message: "the file is empty; list servers under servers:" },
      ]);
    }
  });

  it("reports a missing envFile at its key", () => {
    const dir = mkdtempSync(join(tmpdir(), "corral-config-"));
    try {
      const file = join(dir, "corral.yaml");
      const text = lines("servers:", "  fs:", "    command: x", "    envFile: secrets.env");
      assert.deepEqual(expectIssues(text, { file }), [
        {
          file,
          path: "servers.fs.envFile",
          line: 4,
          column: 14,
          message: `envFile not found: ${join(dir, "secrets.env")}`,
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
