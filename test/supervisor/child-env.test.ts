// Servers get PATH, HOME, LANG, TZ, what inheritEnv names, and their env: nothing else of the gateway's.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { listDescendants } from "../../src/platform/index.js";
import { buildChildEnv } from "../../src/supervisor/index.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { startSupervised } from "../helpers/supervised.js";

test("buildChildEnv keeps the base, inheritEnv and env, in that order of precedence", () => {
  const env = buildChildEnv(
    { env: { FOO: "from-config", LANG: "C" }, inheritEnv: ["KEEP_ME"] },
    { PATH: "/bin", HOME: "/root", LANG: "en_US.UTF-8", SECRET_TOKEN: "x", KEEP_ME: "yes" },
  );
  assert.deepEqual(env, { PATH: "/bin", HOME: "/root", LANG: "C", KEEP_ME: "yes", FOO: "from-config" });
});

test("the real server process sees only its minimal environment", async () => {
  process.env.CORRAL_TEST_SECRET = "must-not-leak";
  process.env.CORRAL_TEST_SHARED = "inherited";
  try {
    await using run = await startSupervised([
      fixtureServer("env", "healthy", [], {
        ...FAST,
        env: { GREETING: "hi" },
        inheritEnv: ["CORRAL_TEST_SHARED"],
      }),
    ]);
    const ready = await run.waitForTransition((t) => t.to === "ready");
    const server = listDescendants(ready.pid as number).find((stat) => stat.comm === "node");
    assert.ok(server, "the node server below the containment");
    const names = new Map(
      readFileSync(`/proc/${server.pid}/environ`, "utf8")
        .split("\0")
        .filter(Boolean)
        .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
    );
    assert.equal(names.get("GREETING"), "hi");
    assert.equal(names.get("CORRAL_TEST_SHARED"), "inherited");
    assert.equal(names.has("CORRAL_TEST_SECRET"), false);
    assert.ok(names.has("PATH"));
    const allowed = new Set([
      "PATH",
      "HOME",
      "LANG",
      "TZ",
      "GREETING",
      "CORRAL_TEST_SHARED",
      "PWD",
      "SHLVL",
      "_",
    ]);
    assert.deepEqual(
      [...names.keys()].filter((name) => !allowed.has(name)),
      [],
    );
  } finally {
    delete process.env.CORRAL_TEST_SECRET;
    delete process.env.CORRAL_TEST_SHARED;
  }
});
