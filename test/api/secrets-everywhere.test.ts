// A planted secret (URL userinfo, URL query, a header, an env value; the last two from ${VAR}) never
// shows in any output: the log (pretty and JSON), the start-up lines, reasons and lastError, every
// REST view (servers, status, readyz, tools, config view, logs), and `corral ps` / `status` / `logs`,
// also once the config file has been edited. A remote server that echoes what it got, and a stdio
// server that prints its token and dies, put the secrets where a careless gateway would repeat them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { CORRAL_BIN, REPO_ROOT, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";
import { writeConfig } from "./api-config.js";

const USER = "planted-user-0x";
const PASS = "planted-pass-1x";
const QUERY = "planted-query-2x";
const HEADER = "planted-header-3x";
const ENV = "planted-env-4x";
const BASIC = Buffer.from(`${USER}:${PASS}`).toString("base64");
const PLANTED = [USER, PASS, QUERY, HEADER, ENV, BASIC];
const ref = (name: string) => `$${"{"}${name}}`;

function cli(args: string[]): string {
  const result = spawnSync(process.execPath, [CORRAL_BIN, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, CORRAL_URL: undefined },
  });
  return `${result.stdout}${result.stderr}`;
}

function assertClean(surface: string, text: string): void {
  for (const secret of PLANTED) {
    assert.ok(!text.includes(secret), `${surface} shows the planted secret ${secret}:\n${text}`);
  }
}

async function readSurfaces(format: "pretty" | "json", echoUrl: string): Promise<void> {
  const echoed = new URL(echoUrl);
  const { path } = writeConfig(() => ({
    remote: {
      url: `http://${USER}:${PASS}@${echoed.host}/mcp?token=${QUERY}`,
      headers: { "X-Api-Key": ref("HEADER_SECRET") },
      restart: { initialDelay: "10s" },
    },
    local: {
      command: process.execPath,
      args: ["-e", "console.error('my token is ' + process.env.API_TOKEN); process.exit(3)"],
      env: { API_TOKEN: ref("ENV_SECRET") },
      restart: { initialDelay: "10s" },
    },
  }));
  await using corral = await runCorral(["up", "--config", path], {
    env: { HEADER_SECRET: HEADER, ENV_SECRET: ENV, CORRAL_LOG_FORMAT: format },
  });
  const api = `${corral.url}/api/v1/mcp`;
  const servers = async () =>
    ((await (await fetch(`${api}/servers`)).json()) as { servers: ServerView[] }).servers;
  // Both have failed once, with the echo and the dying words in their reasons.
  await waitFor(
    async () => {
      const list = await servers();
      return list.every((server) => server.state === "backoff" && server.lastError !== null);
    },
    { what: "both servers in backoff" },
  );
  const reasons = (await servers()).map((server) => `${server.reason} ${server.lastError}`).join("\n");
  assert.match(reasons, /denied \/mcp/, "the remote server's answer is in its reason");
  assert.match(reasons, /my token is \*\*\*/, "the local server's last words are in its reason");

  // Edited since start: the references are gone, the values literal.
  writeFileSync(path, `{"servers": {"remote": {"url": "http://x"}, "local": {"command": "true"}}}\n`);
  const surfaces: Record<string, string> = {};
  for (const route of [
    "/servers",
    "/status",
    "/tools",
    "/servers/remote",
    "/servers/local",
    "/servers/remote/logs",
    "/servers/local/logs",
  ]) {
    surfaces[`GET ${route}`] = await (await fetch(`${api}${route}`)).text();
  }
  surfaces["GET /readyz"] = await (await fetch(`${corral.url}/readyz`)).text();
  for (const args of [["ps"], ["ps", "--json"], ["status"], ["logs", "local"], ["logs", "remote"]]) {
    surfaces[`corral ${args.join(" ")}`] = cli([...args, "--url", corral.url]);
  }
  assert.match(surfaces["GET /servers/local/logs"] ?? "", /my token is \*\*\*/);
  await corral.stop();
  surfaces[`log (${format}) and start-up lines`] = corral.stderr;
  assert.match(corral.stderr, /backoff +remote/, "the start-up lines were printed");
  for (const [surface, text] of Object.entries(surfaces)) assertClean(surface, text);
}

test("no planted secret reaches any output surface, pretty and JSON logs, after an edit", async () => {
  // A remote server that refuses, quoting everything it was sent, as careless servers do.
  const echo = createServer((request, response) => {
    request.resume();
    response.writeHead(401, { "content-type": "text/plain" });
    response.end(
      `denied ${request.url} authorization=${request.headers.authorization} key=${request.headers["x-api-key"]}`,
    );
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  try {
    const echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    await readSurfaces("pretty", echoUrl);
    await readSurfaces("json", echoUrl);
  } finally {
    echo.closeAllConnections();
    await new Promise((resolve) => echo.close(resolve));
  }
});
