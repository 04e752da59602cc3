// Loading from disk: missing files, format by extension, the shipped examples, and the checked-in
// JSON Schema, which must match the zod schema it is generated from.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { buildConfigJsonSchema, formatConfigIssues, loadConfigFile } from "../../src/config/index.js";

// dist/test/config → the repository root.
const repo = fileURLToPath(new URL("../../../", import.meta.url));

describe("loadConfigFile", () => {
  it("explains a missing file", async () => {
    const result = await loadConfigFile("nowhere/corral.yaml", { env: {} });
    assert.deepEqual(result, {
      ok: false,
      issues: [
        {
          file: "nowhere/corral.yaml",
          path: "",
          message: "file not found: nowhere/corral.yaml; create it or pass --config",
        },
      ],
    });
  });

  it("reads YAML and JSON files, choosing the parser by extension", async () => {
    const dir = mkdtempSync(join(tmpdir(), "corral-config-"));
    try {
      writeFileSync(join(dir, "corral.yml"), "servers:\n  fs:\n    command: x\n");
      writeFileSync(join(dir, "mcp.json"), '{"mcpServers": {"fs": {"command": "x",}}}');
      for (const name of ["corral.yml", "mcp.json"]) {
        const result = await loadConfigFile(join(dir, name), { env: {} });
        assert.ok(result.ok, name);
        assert.equal(result.config.source, join(dir, name));
        assert.equal(result.config.servers[0]?.cwd, dir);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("examples", () => {
  const examples = join(repo, "examples");
  const files = readdirSync(examples).filter((name) => /\.(ya?ml|json)$/.test(name));
  for (const name of files) {
    it(`examples/${name} is valid`, async () => {
      const result = await loadConfigFile(join(examples, name), { env: process.env });
      assert.ok(result.ok, result.ok ? "" : formatConfigIssues(result.issues));
    });
  }
});

describe("config.schema.json", () => {
  it("matches the schema generated from the zod schema", () => {
    const checkedIn: unknown = JSON.parse(readFileSync(join(repo, "config.schema.json"), "utf8"));
    assert.deepEqual(buildConfigJsonSchema(), checkedIn, "config.schema.json is stale; run npm run schema");
  });
});
