// GET /readyz under each gateway.readiness: all (the default: every enabled eager shared server an
// operator did not stop), any, and a list of servers. Failed servers make the gateway unready.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ServerView } from "../../src/api/index.js";
import { type CorralRun, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";
import { call, fixtureServer, post, writeConfig } from "./api-config.js";
import { createShapeChecker } from "./openapi-shapes.js";

const shapes = createShapeChecker();

interface Readiness {
  readonly status: number;
  readonly ready: boolean;
  readonly readiness: unknown;
  readonly notReady: readonly { name: string; state: string; reason: string }[];
}

/** Fails fast: two tries 20 ms apart, then `failed`. */
const crashes = () =>
  fixtureServer("crash-on-start", [], {
    restart: { initialDelay: "20ms", maxDelay: "40ms", maxFailures: 2 },
  });

async function readyz(corral: CorralRun): Promise<Readiness> {
  const { status, body } = await call(`${corral.url}/readyz`);
  shapes.assertResponse("/readyz", "get", status, body);
  return { status, ...(body as Omit<Readiness, "status">) };
}

async function waitForState(corral: CorralRun, name: string, state: string): Promise<void> {
  await waitFor(
    async () => {
      const { body } = await call(`${corral.url}/api/v1/mcp/servers/${name}`);
      return (body.server as ServerView).state === state;
    },
    { what: `${name} ${state}` },
  );
}

const stop = async (corral: CorralRun, name: string) =>
  assert.equal((await post(`${corral.url}/api/v1/mcp/servers/${name}/stop`, "")).status, 202);

describe("GET /readyz", () => {
  test("all (default): 503 while every server is failed, naming each and why", async () => {
    const { path } = writeConfig(() => ({ first: crashes(), second: crashes() }));
    await using corral = await runCorral(["up", "--config", path]);
    await waitForState(corral, "first", "failed");
    await waitForState(corral, "second", "failed");
    const answer = await readyz(corral);
    assert.equal(answer.status, 503);
    assert.equal(answer.ready, false);
    assert.equal(answer.readiness, "all");
    assert.deepEqual(
      answer.notReady.map((server) => [server.name, server.state]),
      [
        ["first", "failed"],
        ["second", "failed"],
      ],
    );
    assert.match(answer.notReady[0]?.reason ?? "", /crash loop.*exit code 1/);
  });

  test("all: one failed eager server is enough for 503; lazy servers are not counted, nor held ones", async () => {
    const { path } = writeConfig(() => ({
      up: fixtureServer("healthy"),
      crashy: crashes(),
      later: fixtureServer("healthy", [], { start: "lazy" }),
      own: fixtureServer("healthy", [], { mode: "per-session" }),
    }));
    await using corral = await runCorral(["up", "--config", path]);
    await waitForState(corral, "up", "ready");
    await waitForState(corral, "crashy", "failed");
    const failing = await readyz(corral);
    assert.equal(failing.status, 503);
    assert.deepEqual(
      failing.notReady.map((server) => server.name),
      ["crashy"],
    );
    // An operator's stop says the server is not meant to run: it no longer keeps the gateway unready.
    await stop(corral, "crashy");
    assert.deepEqual(await readyz(corral), { status: 200, ready: true, readiness: "all", notReady: [] });
  });

  test("any: ready while one counted server can take requests", async () => {
    const { path } = writeConfig(() => ({ up: fixtureServer("healthy"), crashy: crashes() }), {
      readiness: "any",
    });
    await using corral = await runCorral(["up", "--config", path]);
    await waitForState(corral, "up", "ready");
    await waitForState(corral, "crashy", "failed");
    const one = await readyz(corral);
    assert.equal(one.status, 200);
    assert.equal(one.readiness, "any");
    assert.deepEqual(
      one.notReady.map((server) => server.name),
      ["crashy"],
    );
    await stop(corral, "up");
    const none = await readyz(corral);
    assert.equal(none.status, 503);
    assert.deepEqual(
      none.notReady.map((server) => [server.name, server.state]),
      [["crashy", "failed"]],
    );
  });

  test("a list: exactly the listed servers count, lazy and per-session ones included", async () => {
    const { path } = writeConfig(
      () => ({
        up: fixtureServer("healthy"),
        crashy: crashes(),
        later: fixtureServer("healthy", [], { start: "lazy" }),
        own: fixtureServer("healthy", [], { mode: "per-session" }),
      }),
      { readiness: ["up", "later", "own"] },
    );
    await using corral = await runCorral(["up", "--config", path]);
    await waitForState(corral, "up", "ready");
    await waitForState(corral, "crashy", "failed");
    // later has not started (it starts on first use), own starts an instance per session: both can serve.
    assert.deepEqual(await readyz(corral), {
      status: 200,
      ready: true,
      readiness: ["up", "later", "own"],
      notReady: [],
    });
    // A listed server an operator stopped cannot serve: 503, saying so.
    await stop(corral, "own");
    const held = await readyz(corral);
    assert.equal(held.status, 503);
    assert.deepEqual(
      held.notReady.map((server) => [server.name, server.state]),
      [["own", "stopped"]],
    );
    assert.match(held.notReady[0]?.reason ?? "", /stopped by an operator.*corral start own/);
  });
});
