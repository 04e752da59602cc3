// Ties the prose to the code: every JSON example in docs/api.md matches the OpenAPI schema named in
// the `<!-- schema: X -->` line above it; the route table lists exactly the OpenAPI document's
// routes; and the status table of docs/errors.md is REST_STATUS, code for code.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildOpenApiDocument, REST_STATUS } from "../../src/api/index.js";
import { createShapeChecker } from "./openapi-shapes.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(join(repo, path), "utf8");

test("docs/api.md: every JSON example matches the OpenAPI schema it names", () => {
  const shapes = createShapeChecker();
  const text = read("docs/api.md");
  const blocks = [...text.matchAll(/(?:<!-- schema: (\w+) -->\s*\n)?( *)```json\n([\s\S]*?)\n *```/g)];
  assert.ok(blocks.length >= 10, `only ${blocks.length} JSON examples found`);
  for (const [whole, schema, , body] of blocks) {
    assert.ok(schema !== undefined, `a JSON example without a <!-- schema: X --> line:\n${whole}`);
    shapes.assertSchema(schema, JSON.parse(body ?? ""));
  }
});

test("docs/api.md: the route table lists exactly the routes of the OpenAPI document", () => {
  const documented = [...read("docs/api.md").matchAll(/^\| `(GET|POST) (\/[^`[?]+)(?:\[[^\]]*\])?` +\|/gm)]
    .map(([, method, path]) => `${method} ${path}`)
    .sort();
  const paths = (buildOpenApiDocument("0.0.0") as { paths: Record<string, Record<string, unknown>> }).paths;
  const served = Object.entries(paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  assert.deepEqual(documented, served);
});

test("docs/errors.md: the status table is REST_STATUS", () => {
  const rows = [...read("docs/errors.md").matchAll(/^\| (\d{3}) +\| (.+?) *\|$/gm)];
  const table = Object.fromEntries(
    rows.flatMap(([, status, codes]) =>
      [...(codes ?? "").matchAll(/`([A-Z_]+)`/g)].map(([, code]) => [code, Number(status)]),
    ),
  );
  assert.deepEqual(table, { ...REST_STATUS });
});
