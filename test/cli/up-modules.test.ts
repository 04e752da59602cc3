// `corral up` is long-lived, so what it loads stays resident: zod and yaml are needed only to validate
// the config, which happens in a short-lived loader process (forked without NODE_OPTIONS). A module
// resolve hook, registered through NODE_OPTIONS, logs every module the real binary loads.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { getJson, runCorral } from "../helpers/corral-process.js";

const REGISTER = `import { register } from "node:module";
register("./hooks.mjs", import.meta.url, { data: { log: process.env.CORRAL_TEST_MODULE_LOG } });
`;
const HOOKS = `import { appendFileSync } from "node:fs";
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + "\\n");
  return result;
}
`;

test("corral up never loads zod or yaml itself: the config is validated in a loader process", async () => {
  const { dir, path } = writeFixtureConfig({ ok: { fixture: "healthy" } });
  writeFileSync(join(dir, "register.mjs"), REGISTER);
  writeFileSync(join(dir, "hooks.mjs"), HOOKS);
  const log = join(dir, "modules.log");
  writeFileSync(log, "");
  await using corral = await runCorral(["up", "--config", path], {
    env: {
      NODE_OPTIONS: `--import=${pathToFileURL(join(dir, "register.mjs")).href}`,
      CORRAL_TEST_MODULE_LOG: log,
    },
  });
  await getJson(`${corral.url}/api/v1/mcp/servers`);
  const loaded = readFileSync(log, "utf8").split("\n").filter(Boolean);
  assert.ok(
    loaded.some((url) => /\/node_modules\/pino\//.test(url)),
    "the hook saw the main thread's modules",
  );
  assert.ok(loaded.some((url) => url.endsWith("/src/config/runtime.js")));
  const heavy = loaded.filter((url) =>
    /\/node_modules\/(zod|yaml)\/|\/src\/config\/(index|load)\.js$/.test(url),
  );
  assert.deepEqual(heavy, []);
});
