// Redaction of a server's config for GET /api/v1/mcp/servers/{name}: which values came from a
// variable reference is read from the file's raw text (YAML, JSON or JSONC; `$${` is a literal).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readDerivedPaths, viewServerConfig } from "../../src/api/config-view.js";
import type { ServerConfig } from "../../src/config/index.js";

const ref = (name: string) => `$${"{"}${name}}`;
/** A literal dollar-brace as the file writes it (`$$` + `{5}`) and as it is after loading. */
const ESCAPED = `$$${"{"}5}`;
const LITERAL = `$${"{"}5}`;

function write(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "corral-redact-")), name);
  writeFileSync(path, text);
  return path;
}

const server = (extra: Partial<ServerConfig>): ServerConfig =>
  ({ name: "fs", args: [], env: {}, headers: {}, cwd: "/srv", ...extra }) as ServerConfig;

test("values from references are redacted, literals kept; env and header values always", async () => {
  const path = write(
    "corral.yaml",
    [
      "servers:",
      "  fs:",
      "    command: mcp-fs",
      `    args: [--root, "${ref("ROOT")}/files", "cost: ${ESCAPED}", plain]`,
      `    url: "https://${ref("HOST")}/mcp"`,
      "",
    ].join("\n"),
  );
  const derived = await readDerivedPaths(path);
  const view = viewServerConfig(
    server({
      command: "mcp-fs",
      args: ["--root", "/secret/files", `cost: ${LITERAL}`, "plain"],
      url: "https://host.internal/mcp",
      env: { TOKEN: "abc" },
      headers: { Authorization: "Bearer x" },
    }),
    derived,
  );
  assert.deepEqual(view.args, ["--root", "***", `cost: ${LITERAL}`, "plain"]);
  assert.equal(view.command, "mcp-fs");
  assert.equal(view.url, "***");
  assert.deepEqual(view.env, { TOKEN: "***" });
  assert.deepEqual(view.headers, { Authorization: "***" });
  assert.equal(view.cwd, "/srv");
});

test("JSONC with comments (VS Code), mcpServers (Claude, Cursor), URL credentials", async () => {
  const jsonc = write(
    "mcp.json",
    `{\n  // a comment\n  "servers": { "fs": { "command": "x", /* inline */ "args": ["${ref("env:KEY")}"] } }\n}\n`,
  );
  assert.deepEqual(viewServerConfig(server({ args: ["k"] }), await readDerivedPaths(jsonc)).args, ["***"]);
  const claude = write("claude_desktop_config.json", `{"mcpServers": {"fs": {"command": "${ref("BIN")}"}}}`);
  assert.equal(
    viewServerConfig(server({ command: "/bin/x" }), await readDerivedPaths(claude)).command,
    "***",
  );
  const url = viewServerConfig(
    server({ url: "https://me:pw@example.com/mcp" }),
    await readDerivedPaths(claude),
  ).url;
  assert.equal(url, "https://***@example.com/mcp");
});

test("a file that cannot be read: every string that could hold a secret is redacted", async () => {
  const view = viewServerConfig(
    server({ command: "x", args: ["a"], url: "https://e.com" }),
    await readDerivedPaths(undefined),
  );
  assert.deepEqual([view.command, view.args, view.url, view.cwd], ["***", ["***"], "***", "***"]);
});

test("a container server's image is redacted when it came from a reference", async () => {
  const container = {
    image: "registry.internal/team/srv:1",
    network: "none",
    pull: "missing",
    readOnlyRoot: true,
  } as const;
  const fromRef = write(
    "corral.yaml",
    `servers:\n  fs: { runtime: container, image: "${ref("REGISTRY")}/team/srv:1" }\n`,
  );
  assert.deepEqual(viewServerConfig(server({ container }), await readDerivedPaths(fromRef)).container, {
    ...container,
    image: "***",
  });
  const literal = write("corral.yaml", "servers:\n  fs: { runtime: container, image: alpine }\n");
  const plain = { ...container, image: "alpine" };
  assert.deepEqual(
    viewServerConfig(server({ container: plain }), await readDerivedPaths(literal)).container,
    plain,
  );
});
