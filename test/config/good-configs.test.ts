// Accepted configs in every supported format, normalised into the runtime form.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config text spells ${VAR} literally
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QUOTA_DEFAULTS, type ServerConfig } from "../../src/config/index.js";
import { CONFIG_DIR, expectConfig, lines, loadText } from "./load-text.js";

/** What a server with nothing but a command becomes. */
function defaultServer(name: string, command: string): ServerConfig {
  return {
    name,
    transport: "stdio",
    command,
    args: [],
    env: {},
    inheritEnv: [],
    cwd: CONFIG_DIR,
    headers: {},
    mode: "shared",
    replicas: 1,
    maxInstances: 16,
    idleTimeoutMs: null,
    start: "eager",
    restart: {
      enabled: true,
      initialDelayMs: 1_000,
      maxDelayMs: 60_000,
      resetAfterMs: 600_000,
      maxFailures: 5,
      jitter: 0.1,
    },
    stop: { stdinGraceMs: 2_000, termGraceMs: 5_000 },
    health: { intervalMs: 30_000, timeoutMs: 5_000, failureThreshold: 3 },
    startupTimeoutMs: 30_000,
    requestTimeoutMs: 60_000,
    tools: { deny: [] },
    prefix: name,
    disabled: false,
  };
}

describe("corral.yaml", () => {
  it("applies every default", () => {
    const config = expectConfig(lines("servers:", "  fs:", "    command: npx"));
    assert.deepEqual(config, {
      source: `${CONFIG_DIR}/corral.yaml`,
      gateway: {
        host: "127.0.0.1",
        port: 11_000,
        stateDir: `${CONFIG_DIR}/.corral`,
        separator: "__",
        allowedHosts: [],
        allowedOrigins: [],
        maxBodyBytes: 4 * 1024 * 1024,
        sessionIdleTimeoutMs: 3_600_000,
        readiness: "all",
        quotas: QUOTA_DEFAULTS,
        shadowing: "refuse",
      },
      servers: [defaultServer("fs", "npx")],
      secrets: { expansions: [], derivedPaths: { fs: [] } },
    });
  });

  it("converts units and resolves paths", () => {
    const text = lines(
      "version: 1",
      "gateway: { host: 0.0.0.0, port: 0, stateDir: /var/lib/corral, maxProcesses: 200, separator: ., readiness: [shell] }",
      "servers:",
      "  shell:",
      "    command: ./bin/shell",
      "    args: [--port, 8080, --verbose, true]",
      "    cwd: work",
      "    env: { DEBUG: true, LEVEL: 3 }",
      "    inheritEnv: [HOME, PATH]",
      "    mode: per-session",
      "    maxInstances: 4",
      "    start: lazy",
      "    restart: { initialDelay: 500ms, maxDelay: 1m30s, resetAfter: 1h, maxFailures: 3, enabled: false }",
      "    stop: { stdinGrace: 0, termGrace: 1.5s }",
      "    health: { interval: 1m, timeout: 2s, failureThreshold: 1 }",
      "    startupTimeout: 10s",
      "    requestTimeout: 2m",
      "    limits: { memory: 512Mi, cpu: 0.5, pids: 64, enforce: best-effort }",
      "    sandbox: { network: host, readOnly: [data, /etc/ssl], writable: [out], tmp: host }",
      "    tools: { allow: [run], deny: [rm] }",
      "    prefix: sh",
      "    disabled: true",
    );
    const config = expectConfig(text);
    assert.deepEqual(config.gateway, {
      host: "0.0.0.0",
      port: 0,
      stateDir: "/var/lib/corral",
      maxProcesses: 200,
      separator: ".",
      allowedHosts: [],
      allowedOrigins: [],
      maxBodyBytes: 4 * 1024 * 1024,
      sessionIdleTimeoutMs: 3_600_000,
      readiness: ["shell"],
      quotas: QUOTA_DEFAULTS,
      shadowing: "refuse",
    });
    assert.deepEqual(config.servers[0], {
      ...defaultServer("shell", "./bin/shell"),
      args: ["--port", "8080", "--verbose", "true"],
      cwd: `${CONFIG_DIR}/work`,
      env: { DEBUG: "true", LEVEL: "3" },
      inheritEnv: ["HOME", "PATH"],
      mode: "per-session",
      maxInstances: 4,
      idleTimeoutMs: 600_000,
      start: "lazy",
      restart: {
        enabled: false,
        initialDelayMs: 500,
        maxDelayMs: 90_000,
        resetAfterMs: 3_600_000,
        maxFailures: 3,
        jitter: 0.1,
      },
      stop: { stdinGraceMs: 0, termGraceMs: 1_500 },
      health: { intervalMs: 60_000, timeoutMs: 2_000, failureThreshold: 1 },
      startupTimeoutMs: 10_000,
      requestTimeoutMs: 120_000,
      limits: { memoryBytes: 512 * 2 ** 20, cpu: 0.5, pids: 64, enforce: "best-effort" },
      sandbox: {
        network: "host",
        readable: [],
        readOnly: [`${CONFIG_DIR}/data`, "/etc/ssl"],
        writable: [`${CONFIG_DIR}/out`],
        tmp: "host",
      },
      tools: { allow: ["run"], deny: ["rm"] },
      prefix: "sh",
      disabled: true,
    });
  });

  it("infers http from a url, accepts idleTimeout: never and prefix: false", () => {
    const text = lines(
      "servers:",
      "  remote:",
      "    url: https://mcp.example.com/mcp",
      "    headers: { Authorization: Bearer abc }",
      "    idleTimeout: never",
      "    mode: per-session",
      "    prefix: false",
    );
    const [server] = expectConfig(text).servers;
    assert.equal(server?.transport, "http");
    assert.equal(server?.url, "https://mcp.example.com/mcp");
    assert.equal(server?.command, undefined);
    assert.deepEqual(server?.headers, { Authorization: "Bearer abc" });
    assert.equal(server?.idleTimeoutMs, null);
    assert.equal(server?.prefix, false);
  });

  it("keeps servers in file order, numeric names included", () => {
    const config = expectConfig(
      lines("servers:", "  b: { command: x }", "  '2': { command: x }", "  a: { command: x }"),
    );
    assert.deepEqual(
      config.servers.map((server) => server.name),
      ["b", "2", "a"],
    );
  });

  it("warns about a config without servers and about ignored client keys", () => {
    const empty = loadText(lines("servers:"));
    assert.ok(empty.ok);
    assert.deepEqual(empty.warnings, [
      {
        file: `${CONFIG_DIR}/corral.yaml`,
        path: "servers",
        line: 1,
        column: 1,
        message: "no servers defined; add one under servers:",
      },
    ]);
    const approving = loadText(lines("servers:", "  fs:", "    command: x", "    alwaysAllow: [read]"));
    assert.ok(approving.ok);
    assert.deepEqual(
      approving.warnings.map((warning) => `${warning.line}:${warning.column} ${warning.path}`),
      ["4:5 servers.fs.alwaysAllow"],
    );
  });

  it("lets command-line overrides win over the file", () => {
    const text = lines("gateway: { host: 0.0.0.0, port: 8000, stateDir: state }", "servers: {}");
    const config = expectConfig(text, {
      overrides: { host: "127.0.0.2", port: 0, stateDir: "/tmp/corral-state" },
    });
    assert.deepEqual(config.gateway, {
      host: "127.0.0.2",
      port: 0,
      stateDir: "/tmp/corral-state",
      separator: "__",
      allowedHosts: [],
      allowedOrigins: [],
      maxBodyBytes: 4 * 1024 * 1024,
      sessionIdleTimeoutMs: 3_600_000,
      readiness: "all",
      quotas: QUOTA_DEFAULTS,
      shadowing: "refuse",
    });
  });
});

describe("client formats", () => {
  it("accepts Claude Desktop's mcpServers JSON as is", () => {
    const text = JSON.stringify({
      mcpServers: {
        filesystem: {
          command: "npx",
          args: ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"],
          env: { DEBUG: "1" },
        },
      },
    });
    const config = expectConfig(text, { file: "claude_desktop_config.json" });
    assert.deepEqual(config.servers, [
      {
        ...defaultServer("filesystem", "npx"),
        cwd: process.cwd(),
        args: ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"],
        env: { DEBUG: "1" },
      },
    ]);
  });

  it("tolerates a byte-order mark", () => {
    const config = expectConfig('\uFEFF{"mcpServers": {"fs": {"command": "npx"}}}', { file: "claude.json" });
    assert.equal(config.servers[0]?.command, "npx");
  });

  it("accepts Cursor's remote servers with url and headers", () => {
    const text =
      '{"mcpServers": {"linear": {"url": "https://mcp.linear.app/sse", "type": "sse", "headers": {"X": "1"}}}}';
    const [server] = expectConfig(text, { file: "mcp.json" }).servers;
    assert.equal(server?.transport, "sse");
    assert.equal(server?.url, "https://mcp.linear.app/sse");
    assert.deepEqual(server?.headers, { X: "1" });
  });

  it("accepts Windsurf's serverUrl and Cline's disabled/autoApprove", () => {
    const text = JSON.stringify({
      mcpServers: {
        remote: { serverUrl: "https://example.com/mcp" },
        local: { command: "uvx", args: ["mcp-server-git"], disabled: true, autoApprove: ["git_status"] },
      },
    });
    const result = loadText(text, { file: "mcp_config.json" });
    assert.ok(result.ok);
    const [remote, local] = result.config.servers;
    assert.equal(remote?.transport, "http");
    assert.equal(remote?.url, "https://example.com/mcp");
    assert.equal(local?.disabled, true);
    assert.deepEqual(
      result.warnings.map((warning) => warning.path),
      ["mcpServers.local.autoApprove"],
    );
  });

  it("accepts VS Code's mcp.json with comments, type, inputs and ${env:VAR}", () => {
    const text = [
      "{",
      "  // Shared with the team",
      '  "inputs": [{"type": "promptString", "id": "token", "password": true}],',
      '  "servers": {',
      '    "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"},',
      '    "fetch": {"type": "stdio", "command": "uvx", "args": ["mcp-server-fetch"], "env": {"KEY": "${env:KEY}"}},',
      '    "stream": {"type": "streamable-http", "url": "http://localhost:3000/mcp"},',
      "  },",
      "}",
    ].join("\n");
    const result = loadText(text, { file: ".vscode/mcp.json", env: { KEY: "k" } });
    assert.ok(result.ok, JSON.stringify(result));
    const [github, fetch, stream] = result.config.servers;
    assert.equal(github?.transport, "http");
    assert.deepEqual(fetch?.env, { KEY: "k" });
    assert.equal(stream?.transport, "http");
    assert.deepEqual(result.warnings, [
      {
        file: ".vscode/mcp.json",
        path: "inputs",
        line: 3,
        column: 3,
        message: "VS Code inputs are ignored; use ${VAR} or env",
      },
    ]);
  });
});
