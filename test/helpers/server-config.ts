// Builds runtime ServerConfig objects for supervisor tests through the real config loader, so they
// carry exactly the production defaults unless overridden.
import { join } from "node:path";
import { parseConfigText, type ServerConfig } from "../../src/config/index.js";
import { type FixtureName, fixturePath } from "../fixtures/fixture-path.js";

type Overrides = { -readonly [K in keyof ServerConfig]?: ServerConfig[K] };

export function fixtureServer(
  name: string,
  fixture: FixtureName,
  args: readonly string[] = [],
  overrides: Overrides = {},
): ServerConfig {
  const text = JSON.stringify({
    servers: { [name]: { command: process.execPath, args: [fixturePath(fixture), ...args] } },
  });
  const loaded = parseConfigText(text, join(process.cwd(), "corral.json"), { env: {} });
  if (!loaded.ok) throw new Error(`fixture config for ${name} is invalid: ${JSON.stringify(loaded.issues)}`);
  const [server] = loaded.config.servers;
  if (server === undefined) throw new Error("the loader returned no server");
  return { ...server, ...overrides };
}

/** Restart, stop and health timings scaled down so tests run in milliseconds, not minutes. */
export const FAST: Overrides = {
  restart: {
    enabled: true,
    initialDelayMs: 50,
    maxDelayMs: 400,
    resetAfterMs: 600_000,
    maxFailures: 5,
    jitter: 0.1,
  },
  stop: { stdinGraceMs: 300, termGraceMs: 300 },
  startupTimeoutMs: 5_000,
};
