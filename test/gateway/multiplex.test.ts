// Acceptance (gateway issue) 3: 64 client sessions share one server-everything process; over 50,000
// calls with unique payloads, no answer reaches the wrong client.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { listDescendants } from "../../src/platform/index.js";
import { getJson, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient, textOf } from "../helpers/mcp-http.js";
import { writeNpmServersConfig } from "../helpers/npm-servers-config.js";

const SESSIONS = 64;
const CALLS_PER_SESSION = 800; // 51,200 calls in all

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

describe("many clients on one shared process", { timeout: 300_000 }, () => {
  test(`${SESSIONS} sessions, ${SESSIONS * CALLS_PER_SESSION} calls with unique payloads: 1 process, 0 misdelivered`, async () => {
    const { path } = writeNpmServersConfig();
    await using corral = await runCorral(["up", "--config", path]);
    const clients = await Promise.all(
      Array.from({ length: SESSIONS }, () => McpHttpClient.connect(`${corral.url}/servers/everything/mcp`)),
    );
    let wrong = 0;
    let errors = 0;
    await Promise.all(
      clients.map(async (client, session) => {
        for (let call = 0; call < CALLS_PER_SESSION; call += 1) {
          const payload = `${session}:${call}:${randomBytes(6).toString("hex")}`;
          const answer = await client.request("tools/call", {
            name: "echo",
            arguments: { message: payload },
          });
          if (answer.error !== undefined) errors += 1;
          else if (textOf(answer) !== `Echo: ${payload}`) wrong += 1;
        }
      }),
    );
    assert.equal(errors, 0);
    assert.equal(wrong, 0);
    const { servers } = await getJson<{ servers: ServerView[] }>(`${corral.url}/api/v1/mcp/servers`);
    const everything = servers.find((server) => server.name === "everything");
    assert.equal(everything?.instances.length, 1);
    assert.equal(everything?.instances[0]?.restarts, 0);
    const processes = listDescendants(corral.pid).filter(
      (stat) => stat.comm !== "sh" && cmdline(stat.pid).includes("mcp-server-everything"),
    );
    // The containment wrapper (setpriv → unshare) carries the command line too; count the node process.
    assert.equal(processes.filter((stat) => stat.comm === "node").length, 1);
  });
});
