// Runs a Supervisor over a temporary state dir for one test, recording every transition; disposing
// it stops everything and fails if any process it started is still alive.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QUOTA_DEFAULTS, type ServerConfig } from "../../src/config/index.js";
import { createSilentLogger, type Logger } from "../../src/observability/index.js";
import {
  type CgroupHost,
  detectContainment,
  isProcessAlive,
  listDescendants,
  type ProcessStat,
} from "../../src/platform/index.js";
import { openStateDir, type StateDir, Supervisor, type Transition } from "../../src/supervisor/index.js";
import { waitFor } from "./wait.js";

export interface Supervised extends AsyncDisposable {
  readonly supervisor: Supervisor;
  readonly stateDir: StateDir;
  readonly transitions: Transition[];
  /** Resolves with the first transition (past or future) after index `from` matching `match`. */
  waitForTransition(
    match: (transition: Transition) => boolean,
    options?: { timeoutMs?: number; from?: number; what?: string },
  ): Promise<Transition>;
  /** Every living process started under this supervisor (tracked by parentage from the test process). */
  trackedProcesses(): ProcessStat[];
}

function dockerHostOption(dockerHost: string | undefined): { dockerHost?: string } {
  return dockerHost === undefined ? {} : { dockerHost };
}

export async function startSupervised(
  servers: readonly ServerConfig[],
  options: {
    random?: () => number;
    stateDir?: string;
    cgroups?: CgroupHost;
    maxProcesses?: number;
    gatewayEnv?: Readonly<Record<string, string | undefined>>;
    dockerHost?: string;
    /** Defaults to a silent one. */
    logger?: Logger;
  } = {},
): Promise<Supervised> {
  const folder = options.stateDir ?? mkdtempSync(join(tmpdir(), "corral-test-"));
  const stateDir = openStateDir(folder);
  const transitions: Transition[] = [];
  const supervisor = new Supervisor({
    config: {
      source: join(folder, "corral.yaml"),
      gateway: {
        host: "127.0.0.1",
        port: 0,
        stateDir: folder,
        separator: "__",
        shadowing: "refuse",
        allowedHosts: [],
        allowedOrigins: [],
        maxBodyBytes: 4 * 1024 * 1024,
        sessionIdleTimeoutMs: 3_600_000,
        readiness: "all",
        quotas: QUOTA_DEFAULTS,
        ...(options.maxProcesses === undefined ? {} : { maxProcesses: options.maxProcesses }),
      },
      servers,
    },
    containment: detectContainment(),
    stateDir,
    gatewayEnv: options.gatewayEnv ?? process.env,
    ...(options.cgroups === undefined ? {} : { cgroups: options.cgroups }),
    logger: options.logger ?? createSilentLogger(),
    clientInfo: { name: "corral-test", version: "0" },
    ...(options.random === undefined ? {} : { random: options.random }),
    ...dockerHostOption(options.dockerHost ?? process.env.DOCKER_HOST),
  });
  supervisor.onTransition((transition) => transitions.push(transition));
  const seen = new Map<number, ProcessStat>();
  const track = () => {
    for (const stat of listDescendants(process.pid)) seen.set(stat.pid, stat);
  };
  const tracker = setInterval(track, 20);
  await supervisor.start();
  return {
    supervisor,
    stateDir,
    transitions,
    async waitForTransition(match, waitOptions = {}) {
      return waitFor(() => transitions.slice(waitOptions.from ?? 0).find(match), {
        timeoutMs: waitOptions.timeoutMs ?? 15_000,
        what: waitOptions.what ?? "a transition",
      });
    },
    trackedProcesses() {
      track();
      return [...seen.values()].filter((stat) => isProcessAlive(stat.pid, stat.startTime));
    },
    async [Symbol.asyncDispose]() {
      clearInterval(tracker);
      track();
      await supervisor.dispose();
      stateDir.release();
      const alive = await waitFor(
        () => {
          const left = [...seen.values()].filter((stat) => isProcessAlive(stat.pid, stat.startTime));
          return left.length === 0 ? true : undefined;
        },
        { timeoutMs: 3_000, what: "every supervised process to be gone" },
      ).then(
        () => [],
        () => [...seen.values()].filter((stat) => isProcessAlive(stat.pid, stat.startTime)),
      );
      if (options.stateDir === undefined) rmSync(folder, { recursive: true, force: true });
      assert.deepEqual(
        alive.map((stat) => `${stat.pid} ${stat.comm}`),
        [],
        "processes outlived the supervisor",
      );
    },
  };
}
