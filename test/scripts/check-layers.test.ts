// The layering check fails on an import against the arrows, on a deep import, and on process.env
// outside cli; and passes on the real tree.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../../scripts/check-layers.mjs", import.meta.url));

function check(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), "corral-layers-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return spawnSync(process.execPath, [script, root], { encoding: "utf8" });
}

test("the real tree passes", () => {
  const result = spawnSync(process.execPath, [script], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
});

test("an upward import, a deep import and process.env outside cli each fail with a reason", () => {
  const result = check({
    "core/index.ts": 'export * from "./a.js";',
    "core/a.ts": 'import { x } from "../supervisor/index.js";\nexport const a = x;',
    "supervisor/index.ts": 'import { y } from "../platform/proc.js";\nexport const x = process.env.HOME;',
    "platform/index.ts": "export {};",
    "platform/proc.ts": "export const y = 1;",
  });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /src\/core\/a\.ts: core may not import supervisor/);
  assert.match(result.stderr, /src\/supervisor\/index\.ts: import platform through its index\.ts/);
  assert.match(result.stderr, /src\/supervisor\/index\.ts: only cli reads process\.env/);
  assert.match(result.stderr, /3 layering problem/);
});

test("config/runtime.ts is a second entry, and nothing it imports may load zod or yaml", () => {
  const result = check({
    "config/index.ts": 'export * from "./runtime.js";\nexport * from "./load.js";',
    "config/runtime.ts": 'export * from "./units.js";\nexport type * from "./types.js";',
    "config/units.ts": 'import { parse } from "yaml";\nexport const units = parse;',
    "config/types.ts": 'import type { z } from "zod";\nexport type T = z.ZodType;',
    "config/load.ts": 'import { z } from "zod";\nexport const load = z;',
    "api/index.ts": 'import { units } from "../config/runtime.js";\nexport const api = units;',
  });
  assert.equal(result.status, 1);
  assert.match(
    result.stderr,
    /src\/config\/runtime\.ts must not load "yaml" \(via config\/runtime\.ts → config\/units\.ts\)/,
  );
  assert.doesNotMatch(result.stderr, /zod|api\/index\.ts/);
  assert.match(result.stderr, /1 layering problem/);
});
