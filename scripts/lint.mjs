// `npm run lint`: Biome over the files git tracks, so untracked scratch files in a clone (notes,
// experiments, editor leftovers) do not fail `npm run lint` and `npm test`. Where there is no git, or
// this folder is not a git work tree, or git tracks nothing here: every file, as `biome check .`.
// Extra arguments go to Biome (e.g. `npm run lint -- --write`).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "..");
const extra = process.argv.slice(2);

function listTrackedFiles() {
  const git = spawnSync("git", ["ls-files", "-z"], { cwd: repo, encoding: "utf8", maxBuffer: 64 << 20 });
  if (git.error !== undefined || git.status !== 0) {
    const why = git.error?.message ?? (git.stderr.trim().split("\n")[0] || `exit ${git.status}`);
    console.error(`lint: no file list from git (${why}); checking every file`);
    return undefined;
  }
  // A tracked file deleted in the work tree is not ours to lint.
  const files = git.stdout.split("\0").filter((file) => file !== "" && existsSync(join(repo, file)));
  if (files.length === 0) {
    console.error("lint: git tracks no files here; checking every file");
    return undefined;
  }
  return files;
}

const files = listTrackedFiles();
const local = join(repo, "node_modules", ".bin", process.platform === "win32" ? "biome.cmd" : "biome");
const biome = existsSync(local) ? local : "biome";
// Explicit paths still obey biome.json's `files.includes`; unmatched ones (binary, ignored) are fine.
const args =
  files === undefined
    ? ["check", ...extra, "."]
    : ["check", "--no-errors-on-unmatched", "--files-ignore-unknown=true", ...extra, ...files];
const run = spawnSync(biome, args, { cwd: repo, stdio: "inherit" });
if (run.error !== undefined) {
  console.error(`lint: could not run ${biome}: ${run.error.message}; run npm install`);
  process.exit(1);
}
process.exit(run.status ?? 1);
