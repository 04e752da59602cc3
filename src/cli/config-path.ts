// Which config file a command means: --config, else ./corral.yaml, else the bundled example.
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export function resolveConfigPath(explicit: string | undefined, cwd: string): string {
  if (explicit !== undefined) return resolve(cwd, explicit);
  for (const candidate of ["corral.yaml", "corral.yml", "corral.json"]) {
    const path = resolve(cwd, candidate);
    if (existsSync(path)) return path;
  }
  return resolve(cwd, "examples/corral.yaml");
}
