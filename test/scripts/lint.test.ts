// `npm run lint` checks the files git tracks: an untracked scratch file in a clone does not fail it,
// a tracked one does; without git it checks every file, as `biome check .` did.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../helpers/corral-process.js";

const BAD = "const  scratch =1\n"; // formatted wrongly: Biome wants `const scratch = 1;`

/** A small project with the repo's lint setup: package.json, biome.json, the script, node_modules. */
function makeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "corral-lint-"));
  for (const file of ["package.json", "biome.json", "scripts/lint.mjs"]) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), join(dir, file));
  }
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, ".gitignore"), "node_modules\n");
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "src", "good.ts"), "export const good = 1;\n");
  return dir;
}

function git(dir: string, ...args: string[]): void {
  const result = spawnSync("git", args, { cwd: dir, encoding: "utf8" });
  assert.equal(result.status, 0, `git ${args.join(" ")}: ${result.stderr}`);
}

function lint(dir: string): { code: number | null; output: string } {
  const result = spawnSync("npm", ["run", "--silent", "lint"], { cwd: dir, encoding: "utf8" });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

test("in a git work tree: an untracked badly formatted file passes, the same file tracked fails", () => {
  const dir = makeProject();
  try {
    git(dir, "init", "--quiet");
    git(dir, "add", ".");
    writeFileSync(join(dir, "src", "scratch.ts"), BAD);
    const untracked = lint(dir);
    assert.equal(untracked.code, 0, untracked.output);
    git(dir, "add", "src/scratch.ts");
    const tracked = lint(dir);
    assert.notEqual(tracked.code, 0, tracked.output);
    assert.match(tracked.output, /src\/scratch\.ts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without git: every file is checked", () => {
  const dir = makeProject();
  try {
    writeFileSync(join(dir, "src", "scratch.ts"), BAD);
    const result = lint(dir);
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /checking every file/);
    assert.match(result.output, /src\/scratch\.ts/);
    rmSync(join(dir, "src", "scratch.ts"));
    const clean = lint(dir);
    assert.equal(clean.code, 0, clean.output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
