// Redaction of a server's config for GET /api/v1/mcp/servers/{name}: which values came from a
// variable reference is recorded when the file is loaded (YAML, JSON or JSONC; `$${` is a literal),
// never read again from the file, which may have changed since.
import assert from "node:assert/strict";
import { test } from "node:test";
import { derivedPathsOf, viewServerConfig } from "../../src/api/config-view.js";
import type { CorralConfig, ServerConfig } from "../../src/config/index.js";
import { loadText } from "../config/load-text.js";

const ref = (name: string) => `$${"{"}${name}}`;
/** A literal dollar-brace as the file writes it (`$$` + `{5}`) and as it is after loading. */
const ESCAPED = `$$${"{"}5}`;
const LITERAL = `$${"{"}5}`;

function load(text: string, file: string, env: Record<string, string>): CorralConfig {
  const result = loadText(text, { file: `/srv/corral/${file}`, env });
  if (!result.ok) assert.fail(JSON.stringify(result.issues));
  return result.config;
}

function viewOf(config: CorralConfig, name = "fs"): Record<string, unknown> {
  const server = config.servers.find((entry) => entry.name === name) as ServerConfig;
  return viewServerConfig(server, derivedPathsOf(config.secrets));
}

test("values from references are redacted, literals kept; env and header values always", () => {
  const config = load(
    [
      "servers:",
      "  fs:",
      "    command: mcp-fs",
      `    args: [--root, "${ref("ROOT")}/files", "cost: ${ESCAPED}", plain]`,
      "    env: { TOKEN: abc }",
      "    cwd: /srv",
      "  web:",
      `    url: "https://${ref("HOST")}/mcp"`,
      "    headers: { Authorization: Bearer x }",
      "",
    ].join("\n"),
    "corral.yaml",
    { ROOT: "/secret", HOST: "host.internal" },
  );
  const view = viewOf(config);
  assert.deepEqual(view.args, ["--root", "***", `cost: ${LITERAL}`, "plain"]);
  assert.equal(view.command, "mcp-fs");
  assert.deepEqual(view.env, { TOKEN: "***" });
  assert.equal(view.cwd, "/srv");
  const web = viewOf(config, "web");
  assert.equal(web.url, "***");
  assert.deepEqual(web.headers, { Authorization: "***" });
  assert.deepEqual(config.secrets?.expansions.toSorted(), ["/secret", "host.internal"]);
});

test("JSONC with comments (VS Code), mcpServers (Claude, Cursor), URL credentials and query", () => {
  const jsonc = load(
    `{\n  // a comment\n  "servers": { "fs": { "command": "x", /* inline */ "args": ["${ref("env:KEY")}"] } }\n}\n`,
    "mcp.json",
    { KEY: "k" },
  );
  assert.deepEqual(viewOf(jsonc).args, ["***"]);
  const claude = load(`{"mcpServers": {"fs": {"command": "${ref("BIN")}"}}}`, "claude_desktop_config.json", {
    BIN: "/bin/x",
  });
  assert.equal(viewOf(claude).command, "***");
  const url = load(
    `{"mcpServers": {"fs": {"url": "https://me:pw@example.com/mcp?key=abc&x="}}}`,
    "claude_desktop_config.json",
    {},
  );
  assert.equal(viewOf(url).url, "https://***@example.com/mcp?key=***&x=");
});

test("the serverUrl alias (Windsurf) from a reference is redacted as url is", () => {
  const config = load(
    `{"mcpServers": {"fs": {"serverUrl": "https://example.com/mcp/${ref("TOKEN")}"}}}`,
    "mcp_config.json",
    { TOKEN: "t0k3n-in-the-path" },
  );
  assert.equal(viewOf(config).url, "***");
});

test("a config without a load-time record: every string that could hold a secret is redacted", () => {
  const server = {
    name: "fs",
    args: ["a"],
    env: {},
    headers: {},
    cwd: "/srv",
    command: "x",
    url: "https://e.com",
  } as unknown as ServerConfig;
  const view = viewServerConfig(server, derivedPathsOf(undefined));
  assert.deepEqual([view.command, view.args, view.url, view.cwd], ["***", ["***"], "***", "***"]);
});

test("a container server's image is redacted when it came from a reference", () => {
  const fromRef = load(
    `servers:\n  fs: { runtime: container, image: "${ref("REGISTRY")}/team/srv:1" }\n`,
    "corral.yaml",
    { REGISTRY: "registry.internal" },
  );
  assert.equal((viewOf(fromRef).container as { image: string }).image, "***");
  const literal = load("servers:\n  fs: { runtime: container, image: alpine }\n", "corral.yaml", {});
  assert.equal((viewOf(literal).container as { image: string }).image, "alpine");
});
