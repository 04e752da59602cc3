// Issue 11 item 3: every state change of every instance is exactly one log line at info or above,
// with server, instance, from, to, a typed kind and the reason; never a secret.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger } from "../../src/observability/index.js";
import { TRANSITION_KINDS, type Transition } from "../../src/supervisor/index.js";
import { callEcho } from "../helpers/rpc.js";
import { FAST, fixtureServer } from "../helpers/server-config.js";
import { startSupervised } from "../helpers/supervised.js";

interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly server?: string;
  readonly instance?: string;
  readonly from?: string;
  readonly to?: string;
  readonly kind?: string;
  readonly reason?: string;
}

const SECRET = "s3cr3t-token-for-the-transition-log-test";

test("start → ready, crash → backoff → restart → ready, operator stop, never-ready → failed: one log line each", async () => {
  const lines: string[] = [];
  const logger = createLogger({ level: "info", format: "json", write: (line) => lines.push(line) });
  const restart = { ...FAST.restart!, maxFailures: 2 };
  await using run = await startSupervised(
    [
      fixtureServer("steady", "healthy", [], { ...FAST, env: { API_TOKEN: SECRET } }),
      fixtureServer("broken", "crash-on-start", [], { ...FAST, restart }),
    ],
    { logger },
  );
  // start → ready
  const firstReady = await run.waitForTransition((t) => t.server === "steady" && t.to === "ready");
  // crash → backoff → restart → ready
  const [instance] = run.supervisor.getInstances("steady");
  assert.ok(instance);
  assert.equal(await callEcho(instance, "up"), "up");
  process.kill(firstReady.pid as number, "SIGKILL");
  const backoff = await run.waitForTransition((t) => t.server === "steady" && t.to === "backoff");
  await run.waitForTransition((t) => t.server === "steady" && t.to === "ready" && t.at > backoff.at);
  // operator stop
  await run.supervisor.stopServer("steady");
  // never-ready → failed
  await run.waitForTransition((t) => t.server === "broken" && t.to === "failed");

  const records = lines.map((line) => JSON.parse(line) as LogRecord);
  const stateLines = records.filter((record) => record.msg === "state change");
  const expected = run.transitions;
  const describe = (t: Pick<Transition, "server" | "instance" | "from" | "to" | "kind" | "reason">) =>
    `${t.server} ${t.instance} ${t.from}→${t.to} ${t.kind}: ${t.reason}`;
  assert.deepEqual(
    stateLines.map((record) => describe(record as unknown as Transition)),
    expected.map(describe),
    "one log line per transition, in order",
  );
  for (const record of stateLines) {
    assert.ok(record.level >= 30, `at info or above: ${JSON.stringify(record)}`);
    assert.ok((TRANSITION_KINDS as readonly string[]).includes(record.kind ?? ""), record.kind);
  }
  const steady = expected.filter((t) => t.server === "steady").map((t) => `${t.from}→${t.to} ${t.kind}`);
  assert.deepEqual(steady, [
    "stopped→starting eager-start",
    "starting→ready ready",
    "ready→backoff killed-by-signal",
    "backoff→starting auto-restart",
    "starting→ready ready",
    "ready→stopping operator-stop",
    "stopping→stopped operator-stop",
  ]);
  const broken = expected.filter((t) => t.server === "broken").map((t) => `${t.from}→${t.to} ${t.kind}`);
  assert.deepEqual(broken, [
    "stopped→starting eager-start",
    "starting→backoff exited",
    "backoff→starting auto-restart",
    "starting→failed crash-loop",
  ]);
  const failed = stateLines.find((record) => record.to === "failed");
  assert.ok(failed && failed.level >= 40, "failed is logged as a warning");
  assert.ok(!lines.some((line) => line.includes(SECRET)), "no log line quotes an env value");
});
