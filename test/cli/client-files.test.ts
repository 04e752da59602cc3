// A client's own MCP file as the gateway's config: `corral validate` accepts it and `corral up
// --config` serves its servers, for a Claude Desktop file with the app's other settings and a Cursor
// file with comments, trailing commas and client-only keys.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fixturePath } from "../fixtures/fixture-path.js";
import { CORRAL_BIN, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient } from "../helpers/mcp-http.js";

const healthy = JSON.stringify(fixturePath("healthy"));
const node = JSON.stringify(process.execPath);

const FILES = {
  claude: {
    at: "Claude/claude_desktop_config.json",
    text: `{
  "globalShortcut": "Ctrl+Alt+Space",
  "preferences": {
    "menuBarEnabled": false,
    "quickEntryShortcut": "off"
  },
  "mcpServers": {
    "memory": {
      "command": ${node},
      "args": [${healthy}],
      "env": { "MEMORY_FILE_PATH": "/tmp/memory.jsonl" }
    },
    "retired": {
      "command": "no-such-mcp-server",
      "disabled": true
    }
  }
}
`,
  },
  cursor: {
    at: "project/.cursor/mcp.json",
    text: `{
  // Servers for this project; Cursor reads comments and trailing commas.
  "mcpServers": {
    /* the shared memory */
    "memory": {
      "command": ${node}, // node itself
      "args": [${healthy},],
      "autoApprove": ["echo"],
      "timeout": 60,
    },
  },
}
`,
  },
} as const;

function place(client: keyof typeof FILES): string {
  const home = mkdtempSync(join(tmpdir(), `corral-${client}-as-config-`));
  const file = join(home, FILES[client].at);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, FILES[client].text);
  return file;
}

describe("a client's file as the gateway's config", () => {
  for (const client of Object.keys(FILES) as (keyof typeof FILES)[]) {
    test(`${client}: validate accepts it and up serves its servers`, async () => {
      const file = place(client);
      const valid = spawnSync(process.execPath, [CORRAL_BIN, "validate", file], { encoding: "utf8" });
      assert.equal(valid.status, 0, valid.stderr);
      assert.match(valid.stdout, /: ok, \d servers? \(memory/);
      assert.match(valid.stderr, /ignored, client-only settings \(see docs\/config\.md\): /);
      // A note about the client's own keys is a warning, not counted as an error.
      assert.match(valid.stderr, /^1 warning$/m);
      assert.doesNotMatch(valid.stderr, /\berrors?\b/);

      await using gateway = await runCorral(["up", "--config", file, "--port", "0"]);
      const mcp = await McpHttpClient.connect(`${gateway.url}/mcp`);
      const answer = await mcp.request("tools/call", { name: "memory__echo", arguments: { text: "hi" } });
      assert.deepEqual(answer.result, { content: [{ type: "text", text: "hi" }] }, JSON.stringify(answer));
      await mcp.delete();
    });
  }
});
