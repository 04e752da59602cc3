// Writes a corral config for fixture servers into a fresh temporary folder.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FixtureName, fixturePath } from "../fixtures/fixture-path.js";

export interface FixtureServerSpec {
  readonly fixture: FixtureName;
  /** Arguments, or a function of the config's folder (for files the fixture writes there). */
  readonly args?: readonly string[] | ((dir: string) => readonly string[]);
  /** Extra keys of the server definition (restart, stop, health …) in file form. */
  readonly extra?: Record<string, unknown>;
}

export function writeFixtureConfig(
  servers: Record<string, FixtureServerSpec>,
  gateway: Record<string, unknown> = {},
): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "corral-e2e-"));
  const document = {
    gateway: { port: 0, ...gateway },
    servers: Object.fromEntries(
      Object.entries(servers).map(([name, spec]) => [
        name,
        {
          command: process.execPath,
          args: [
            fixturePath(spec.fixture),
            ...(typeof spec.args === "function" ? spec.args(dir) : (spec.args ?? [])),
          ],
          ...spec.extra,
        },
      ]),
    ),
  };
  const path = join(dir, "corral.yaml");
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  return { dir, path };
}
