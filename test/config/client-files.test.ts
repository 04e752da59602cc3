// Client files as the clients really write them: Claude Desktop's other top-level settings, Cursor's
// comments and trailing commas, per-server keys of Cline, Roo Code, Windsurf and VS Code, each mapped
// or ignored in one line; Corral's own YAML stays strict. Also the top-level envFile for ${VAR}.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfigFile } from "../../src/config/index.js";
import { expectConfig, expectIssues, lines, loadText } from "./load-text.js";

describe("client files", () => {
  it("reads a Claude Desktop file with its other settings, naming them in one line", () => {
    const text = JSON.stringify(
      {
        globalShortcut: "Ctrl+Space",
        preferences: { menuBarEnabled: false, quickEntryShortcut: "off" },
        mcpServers: { memory: { command: "npx", args: ["-y", "@modelcontextprotocol/server-memory"] } },
        isUsingBuiltInNodeForMcp: true,
      },
      null,
      2,
    );
    const result = loadText(text, { file: "/home/me/.config/Claude/claude_desktop_config.json" });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(
      result.config.servers.map((server) => server.command),
      ["npx"],
    );
    assert.deepEqual(
      result.warnings.map((warning) => [warning.line, warning.message]),
      [
        [
          2,
          "ignored, client-only settings (see docs/config.md): globalShortcut, preferences, isUsingBuiltInNodeForMcp",
        ],
      ],
    );
  });

  it("reads Cursor's comments and trailing commas", () => {
    const text = lines(
      "{",
      "  // project servers",
      '  "mcpServers": {',
      '    /* the team memory */ "memory": {',
      '      "command": "npx", // latest',
      '      "args": ["-y", "@modelcontextprotocol/server-memory",],',
      '      "env": {"MEMORY_FILE_PATH": "/tmp/m.json",},',
      "    },",
      "  },",
      "}",
    );
    const [server] = expectConfig(text, { file: "/p/.cursor/mcp.json" }).servers;
    assert.deepEqual(server?.args, ["-y", "@modelcontextprotocol/server-memory"]);
    assert.deepEqual(server?.env, { MEMORY_FILE_PATH: "/tmp/m.json" });
  });

  it("maps disabled, transportType and disabledTools; ignores the clients' approval and timeout keys", () => {
    const text = JSON.stringify({
      mcpServers: {
        cline: {
          command: "uvx",
          args: ["mcp-server-git"],
          autoApprove: ["git_status"],
          disabled: true,
          timeout: 60,
          transportType: "stdio",
        },
        roo: { command: "node", alwaysAllow: ["read"], disabledTools: ["write"], watchPaths: ["dist"] },
        remote: { url: "https://example.com/sse", transportType: "sse" },
        vscode: { type: "stdio", command: "npx", dev: { watch: "src/**" }, gallery: true, version: "1.0.0" },
      },
    });
    const result = loadText(text, { file: "cline_mcp_settings.json" });
    assert.ok(result.ok, JSON.stringify(result));
    const [cline, roo, remote, vscode] = result.config.servers;
    assert.equal(cline?.disabled, true);
    assert.equal(cline?.transport, "stdio");
    assert.equal(cline?.requestTimeoutMs, 60_000, "Cline's timeout (seconds) is not guessed into ms");
    assert.deepEqual(roo?.tools, { deny: ["write"] });
    assert.equal(remote?.transport, "sse");
    assert.equal(vscode?.command, "npx");
    assert.equal(result.warnings.length, 1);
    assert.match(
      result.warnings[0]?.message ?? "",
      /: mcpServers\.cline\.autoApprove, mcpServers\.cline\.timeout, mcpServers\.roo\.alwaysAllow, mcpServers\.roo\.watchPaths, mcpServers\.vscode\.dev, mcpServers\.vscode\.gallery, mcpServers\.vscode\.version$/,
    );
  });

  it("still rejects typos in a client file: close to a known key, or an unknown server key", () => {
    const issues = expectIssues('{"mcpServer": {}, "mcpServers": {"fs": {"command": "x", "argz": []}}}', {
      file: "mcp.json",
    });
    assert.deepEqual(
      issues.map((issue) => [issue.path, issue.message]),
      [
        ["mcpServer", 'unknown key; did you mean "mcpServers"?'],
        ["mcpServers.fs.argz", 'unknown key; did you mean "args"?'],
      ],
    );
  });

  it("keeps corral.yaml strict: client settings and timeout are errors there", () => {
    const issues = expectIssues(
      lines("globalShortcut: Ctrl+Space", "servers:", "  fs:", "    command: x", "    timeout: 60"),
    );
    assert.deepEqual(
      issues.map((issue) => [issue.path, issue.message]),
      [
        [
          "globalShortcut",
          "unknown key; allowed here: $schema, version, servers, mcpServers, gateway, envFile, inputs",
        ],
        ["servers.fs.timeout", 'unknown key; did you mean "requestTimeout"?'],
      ],
    );
  });
});

describe("top-level envFile", () => {
  it("gives references their values; the environment wins; problems name the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corral-envfile-"));
    try {
      writeFileSync(join(dir, "corral.env"), "GITHUB_TOKEN=from-file\nLEVEL=file\n");
      writeFileSync(
        join(dir, "corral.yaml"),
        lines(
          "envFile: corral.env",
          "servers:",
          "  gh:",
          "    command: x",
          `    env: { GITHUB_PERSONAL_ACCESS_TOKEN: '\${GITHUB_TOKEN}', LEVEL: '\${LEVEL}' }`,
        ),
      );
      const result = await loadConfigFile(join(dir, "corral.yaml"), { env: { LEVEL: "shell" } });
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(result.config.servers[0]?.env, {
        GITHUB_PERSONAL_ACCESS_TOKEN: "from-file",
        LEVEL: "shell",
      });

      writeFileSync(join(dir, "corral.env"), "GITHUB_TOKEN\n");
      const broken = await loadConfigFile(join(dir, "corral.yaml"), { env: {} });
      assert.equal(broken.ok, false);
      assert.deepEqual(
        broken.ok ? [] : broken.issues.map((issue) => [issue.file, issue.path, issue.message]),
        [
          [
            join(dir, "corral.yaml"),
            "servers.gh.env.GITHUB_PERSONAL_ACCESS_TOKEN",
            `\${GITHUB_TOKEN} is not set; export it or write \${GITHUB_TOKEN:-default}`,
          ],
          [
            join(dir, "corral.yaml"),
            "servers.gh.env.LEVEL",
            `\${LEVEL} is not set; export it or write \${LEVEL:-default}`,
          ],
          [join(dir, "corral.env"), "envFile", "expected KEY=VALUE"],
        ],
      );
      rmSync(join(dir, "corral.env"));
      const missing = await loadConfigFile(join(dir, "corral.yaml"), {
        env: { GITHUB_TOKEN: "t", LEVEL: "l" },
      });
      assert.equal(missing.ok, false);
      assert.match(
        missing.ok ? "" : (missing.issues[0]?.message ?? ""),
        /^envFile not found: .*corral\.env$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
