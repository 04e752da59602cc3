// What a hostile page in a visitor's browser can do: nothing. Origins match exactly (another port on
// loopback is another site), REST writes need a JSON content type (a form can't send one), /readyz
// tells a foreign Host only its status, and the Origin check stays linear on a 100 KB header.
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, test } from "node:test";
import { createGuard, normaliseOrigin } from "../../src/api/guard.js";
import type { ServerView } from "../../src/api/index.js";
import { runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";
import { fixtureServer, writeConfig } from "./api-config.js";

const requestWith = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe("Origin: an exact list", () => {
  const guard = createGuard({
    bindHost: "127.0.0.1",
    allowedHosts: [],
    allowedOrigins: ["https://App.example.com:443/"],
    port: () => 11000,
  });
  const codeOf = (origin?: string) =>
    guard(requestWith({ host: "127.0.0.1:11000", ...(origin === undefined ? {} : { origin }) }))?.code;

  test("the gateway's own origins and the configured ones pass; no Origin passes", () => {
    for (const origin of ["http://127.0.0.1:11000", "http://localhost:11000", "http://[::1]:11000"])
      assert.equal(codeOf(origin), undefined, origin);
    assert.equal(codeOf("https://app.example.com"), undefined);
    assert.equal(codeOf(), undefined);
  });

  test("another port, scheme or host on loopback is refused, and so is null", () => {
    for (const origin of [
      "http://localhost:9999",
      "http://127.0.0.1:3000",
      "https://127.0.0.1:11000",
      "http://localhost",
      "http://app.example.com",
      "null",
    ])
      assert.equal(codeOf(origin), "ORIGIN_NOT_ALLOWED", origin);
  });

  test("a 100 KB Origin is answered fast (the normaliser is linear)", () => {
    const origin = `http://localhost:11000${"/".repeat(100_000)}x`;
    const startedAt = performance.now();
    const code = codeOf(origin);
    const normalised = normaliseOrigin(`http://a${"/".repeat(100_000)}`);
    const ms = performance.now() - startedAt;
    assert.ok(ms < 50, `took ${ms} ms`);
    assert.equal(code, "ORIGIN_NOT_ALLOWED");
    assert.equal(normalised, "http://a");
  });
});

describe("a running gateway", () => {
  test("text/plain writes and foreign-port Origins are refused; /readyz tells a foreign Host no reasons", async () => {
    const { path } = writeConfig(() => ({
      ok: fixtureServer("healthy"),
      broken: fixtureServer("crash-on-start", [], { restart: { initialDelay: "10s" } }),
    }));
    await using corral = await runCorral(["up", "--config", path]);
    const api = `${corral.url}/api/v1/mcp`;
    const okView = async () =>
      ((await (await fetch(`${api}/servers/ok`)).json()) as { server: ServerView }).server;
    await waitFor(async () => (await okView()).state === "ready", { what: "ok ready" });
    const pid = (await okView()).instances[0]?.pid;

    // The form a page on localhost:9999 can submit: text/plain, its own Origin.
    const form = (route: string, headers: Record<string, string>) =>
      fetch(`${api}${route}`, {
        method: "POST",
        headers: { "content-type": "text/plain", ...headers },
        body: JSON.stringify({ server: "ok", command: { method: "tools/list" } }),
      });
    const crossOrigin = await form("/servers/ok/restart", { origin: "http://localhost:9999" });
    assert.equal(crossOrigin.status, 403);
    assert.match(await crossOrigin.text(), /ORIGIN_NOT_ALLOWED/);
    for (const route of ["/servers/ok/restart", "/execute"]) {
      const plain = await form(route, {});
      assert.equal(plain.status, 415, route);
      assert.match(await plain.text(), /UNSUPPORTED_MEDIA_TYPE.*application\/json/);
      const own = await form(route, { origin: corral.url });
      assert.equal(own.status, 415, `${route} from the gateway's own origin, still not JSON`);
    }
    const noType = await fetch(`${api}/servers/ok/restart`, { method: "POST" });
    assert.equal(noType.status, 415);
    assert.equal((await okView()).instances[0]?.pid, pid, "nothing was restarted");
    const json = await fetch(`${api}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ server: "ok", command: { method: "tools/list" } }),
    });
    assert.equal(json.status, 200);

    const brokenState = async () =>
      ((await (await fetch(`${api}/servers/broken`)).json()) as { server: ServerView }).server.state;
    await waitFor(async () => (await brokenState()) === "backoff", { what: "broken in backoff" });
    const local = await fetch(`${corral.url}/readyz`);
    assert.equal(local.status, 503);
    const detail = (await local.json()) as { notReady: { name: string; reason: string }[] };
    assert.deepEqual(
      detail.notReady.map((server) => server.name),
      ["broken"],
    );
    const { request } = await import("node:http");
    const foreign = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const target = new URL(path, corral.url);
        request(target, { headers }, (response) => {
          let text = "";
          response.setEncoding("utf8").on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        })
          .on("error", reject)
          .end();
      });
    const rebinding = await foreign("/readyz", { host: "evil.example" });
    assert.equal(rebinding.status, 503, "the status is still there for probes");
    assert.deepEqual(JSON.parse(rebinding.text), { ready: false });
    const fromPage = await foreign("/readyz", { origin: "http://localhost:9999" });
    assert.deepEqual(JSON.parse(fromPage.text), { ready: false });
    assert.equal((await foreign("/healthz", { host: "evil.example" })).status, 200);
    assert.equal((await foreign("/api/v1/mcp/status", { host: "evil.example" })).status, 403);
  });
});
