// Which config file a command means: --config, else ./corral.yaml (or .yml, .json), else for `up`
// the bundled example (`npm start` in a fresh clone), and for `validate` nothing: checking the example
// when the user meant their own file would say "ok" about the wrong file.
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const DEFAULT_CONFIG_NAMES = ["corral.yaml", "corral.yml", "corral.json"] as const;

/** The explicit file, else the first default name present in `cwd`, else undefined. */
export function findConfigPath(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit !== undefined) return resolve(cwd, explicit);
  for (const candidate of DEFAULT_CONFIG_NAMES) {
    const path = resolve(cwd, candidate);
    if (existsSync(path)) return path;
  }
  return undefined;
}

export function resolveConfigPath(explicit: string | undefined, cwd: string): string {
  return findConfigPath(explicit, cwd) ?? resolve(cwd, "examples/corral.yaml");
}
