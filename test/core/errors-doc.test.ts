// Ties every error code to its section in docs/errors.md, and to a use in src/.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ERROR_CODES } from "../../src/core/index.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

test("every error code has exactly one section in docs/errors.md, and every section is a code", () => {
  const headings = [...readFileSync(join(repo, "docs/errors.md"), "utf8").matchAll(/^## (\S+)$/gm)].map(
    (m) => m[1],
  );
  assert.deepEqual([...headings].sort(), [...ERROR_CODES].sort());
});

test("every error code is raised somewhere in src/", () => {
  const text = sources(join(repo, "src"))
    .filter((file) => !file.endsWith("errors.ts"))
    .map((file) => readFileSync(file, "utf8"))
    .join("\n");
  const unused = ERROR_CODES.filter((code) => !text.includes(`"${code}"`));
  assert.deepEqual(unused, []);
});
