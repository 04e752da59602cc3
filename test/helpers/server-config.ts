// Builds runtime ServerConfig objects for supervisor tests, with production defaults unless overridden.
import type { ServerConfig } from "../../src/config/index.js";
import { type FixtureName, fixturePath } from "../fixtures/fixture-path.js";

type Overrides = { -readonly [K in keyof ServerConfig]?: ServerConfig[K] };

export function fixtureServer(
  name: string,
  fixture: FixtureName,
  args: readonly string[] = [],
  overrides: Overrides = {},
): ServerConfig {
  return {
    name,
    transport: "stdio",
    command: process.execPath,
    args: [fixturePath(fixture), ...args],
    env: {},
    inheritEnv: [],
    cwd: process.cwd(),
    headers: {},
    mode: "shared",
    replicas: 1,
    maxInstances: 16,
    idleTimeoutMs: null,
    start: "eager",
    restart: {
      enabled: true,
      initialDelayMs: 1_000,
      maxDelayMs: 60_000,
      resetAfterMs: 600_000,
      maxFailures: 5,
      jitter: 0.1,
    },
    stop: { stdinGraceMs: 2_000, termGraceMs: 5_000 },
    health: { intervalMs: 30_000, timeoutMs: 5_000, failureThreshold: 3 },
    startupTimeoutMs: 30_000,
    requestTimeoutMs: 60_000,
    tools: { deny: [] },
    prefix: name,
    disabled: false,
    ...overrides,
  };
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
