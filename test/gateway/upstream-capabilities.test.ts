// Which client capabilities the gateway's upstream initialize declares (docs/gateway.md). A shared
// instance does not declare roots: nobody can answer the roots/list a server sends at `initialized`
// for a process many clients share. A per-session instance does, and its one client answers.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { ServerView } from "../../src/api/index.js";
import { getJson, REPO_ROOT, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";

const bin = (name: string) => join(REPO_ROOT, "node_modules", ".bin", name);
const ROOTS_FAILURE = /Failed to request (initial )?roots/;

/** A config in a fresh folder; `servers` gets that folder (the filesystem server's root). */
function writeConfig(servers: (dir: string) => Record<string, unknown>): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "corral-roots-"));
  const path = join(dir, "corral.yaml");
  writeFileSync(path, `${JSON.stringify({ gateway: { port: 0 }, servers: servers(dir) }, null, 2)}\n`);
  return { dir, path };
}

test("shared everything and filesystem: no roots declared, so no 'Failed to request roots' at start", async () => {
  const { path } = writeConfig((dir) => ({
    everything: { command: bin("mcp-server-everything"), args: ["stdio"] },
    filesystem: { command: bin("mcp-server-filesystem"), args: [dir] },
  }));
  await using corral = await runCorral(["up", "--config", path]);
  // The filesystem server says at `initialized` what it made of the client's capabilities.
  await waitFor(
    () => /Client does not support MCP Roots|Failed to request initial roots/.test(corral.stderr),
    {
      timeoutMs: 30_000,
      what: `the filesystem server's roots decision; stderr:\n${corral.stderr}`,
    },
  );
  assert.match(
    corral.stderr,
    /Client does not support MCP Roots, using allowed directories set from server args/,
  );
  // everything registers get-roots-list, and asks roots/list 350 ms after `initialized`, only when
  // the client declared roots.
  const names = await waitFor(
    async () =>
      (
        await getJson<{ tools: { name: string }[] | null }>(`${corral.url}/api/v1/mcp/servers/everything`)
      ).tools?.map((tool) => tool.name),
    { timeoutMs: 30_000, what: "everything's tools" },
  );
  assert.ok(names.includes("echo"), names.join(", "));
  assert.ok(!names.includes("get-roots-list"), "everything saw a roots capability");
  const servers = await getJson<{ servers: ServerView[] }>(`${corral.url}/api/v1/mcp/servers`);
  assert.deepEqual(
    servers.servers.map((server) => `${server.name} ${server.state}`),
    ["everything ready", "filesystem ready"],
  );
  assert.doesNotMatch(corral.stderr, ROOTS_FAILURE);
});

test("per-session filesystem: roots declared, and the session's own client answers roots/list", async () => {
  const { dir, path } = writeConfig((folder) => ({
    filesystem: { command: bin("mcp-server-filesystem"), args: [folder], mode: "per-session" },
  }));
  await using corral = await runCorral(["up", "--config", path]);
  const client = new Client({ name: "corral-test", version: "1.0.0" }, { capabilities: { roots: {} } });
  let asked = 0;
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    asked += 1;
    return { roots: [{ uri: `file://${dir}`, name: "test root" }] };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${corral.url}/servers/filesystem/mcp`)));
  try {
    await waitFor(
      () => /Updated allowed directories from MCP roots|roots/i.test(corral.stderr) && asked > 0,
      {
        timeoutMs: 30_000,
        what: `the per-session instance to ask its client for roots; stderr:\n${corral.stderr}`,
      },
    );
    await waitFor(() => /Updated allowed directories from MCP roots: 1 valid/.test(corral.stderr), {
      what: `the filesystem server to take the client's root; stderr:\n${corral.stderr}`,
    });
    assert.equal(asked, 1);
    assert.doesNotMatch(corral.stderr, ROOTS_FAILURE);
  } finally {
    await client.close();
  }
});
