// `corral up` once its config is loaded: take the state dir, end leftovers, start the servers, listen,
// and on SIGINT/SIGTERM drain (stop listening, stop every server through its ladder) and exit 0.
// SIGHUP (a closed terminal, or habit from daemons that reload) is logged and ignored until config
// apply exists: dying at once on it would drop every client with no drain.

import { closeSync } from "node:fs";
import { isatty } from "node:tty";
import { createApiServer } from "../../api/index.js";
import { type ConfigLoadResult, formatConfigIssues, listSecretValues } from "../../config/runtime.js";
import { createRedactor, describeError, isCorralError } from "../../core/index.js";
import { Gateway, routableClientCapabilities } from "../../gateway/index.js";
import { createLogger, type LogFormat, type LogLevel } from "../../observability/index.js";
import {
  CGROUP_MODES,
  type CgroupMode,
  CONTAINMENT_KINDS,
  type ContainmentKind,
  cgroupKey,
  chooseContainment,
  detectCgroups,
} from "../../platform/index.js";
import { formatDuration, openStateDir, Supervisor, type Transition } from "../../supervisor/index.js";
import { openRemoteLink } from "../../upstream/index.js";
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError } from "../io.js";
import { checkPortAvailable, describeListenError } from "../port-check.js";
import { CORRAL_VERSION } from "../version.js";
import type { UpHooks } from "./up.js";

export interface GatewayRun {
  readonly loaded: ConfigLoadResult;
  readonly configPath: string;
  /** Command-line values; undefined where not given (the environment, then defaults, apply). */
  readonly logLevel: string | undefined;
  readonly logFormat: string | undefined;
  readonly containment: string | undefined;
  readonly cgroups: string | undefined;
  readonly io: CliIo;
  readonly hooks: UpHooks;
}

const DRAIN_GRACE_MS = 2_000;
/** Which stdio descriptors were a terminal when corral started. */
const TERMINAL_FDS = new Set([0, 1, 2].filter((fd) => isatty(fd)));

function waitForSignal(): Promise<string> {
  return new Promise((resolvePromise) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      // A second signal while draining forces: exiting kills every namespace with us.
      const force = (second: NodeJS.Signals) => {
        process.stderr.write(`corral: ${second} again, forcing exit\n`);
        process.exit(EXIT_FAILURE);
      };
      process.once("SIGINT", force);
      process.once("SIGTERM", force);
      resolvePromise(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

export async function runGateway(run: GatewayRun): Promise<number> {
  const { loaded, configPath, io, hooks } = run;
  // One redactor for every output of this gateway: the log, reasons, REST, the start-up lines.
  const redactor = createRedactor();
  const logger = createLogger({
    redact: redactor.redactText,
    level: (run.logLevel ?? io.env.CORRAL_LOG_LEVEL ?? "info") as LogLevel,
    format: (run.logFormat ?? io.env.CORRAL_LOG_FORMAT ?? "pretty") as LogFormat,
    write: (line) => io.stderr(line),
  });
  if (!loaded.ok) {
    io.stderr(`${formatConfigIssues(loaded.issues)}\n`);
    return EXIT_FAILURE;
  }
  const { config } = loaded;
  redactor.addSecrets(listSecretValues(config));
  if (loaded.warnings.length > 0) io.stderr(`${formatConfigIssues(loaded.warnings, "warning")}\n`);

  const requested = run.containment ?? io.env.CORRAL_CONTAINMENT ?? "auto";
  if (requested !== "auto" && !(CONTAINMENT_KINDS as readonly string[]).includes(requested)) {
    throw new UsageError(
      `--containment must be auto or one of ${CONTAINMENT_KINDS.join(", ")}; got "${requested}"`,
    );
  }
  const containment = chooseContainment(requested as ContainmentKind | "auto");
  let stateDir: ReturnType<typeof openStateDir>;
  try {
    stateDir = openStateDir(config.gateway.stateDir);
  } catch (error) {
    io.stderr(`corral: ${describeError(error)}\n`);
    return EXIT_FAILURE;
  }
  const busy = await checkPortAvailable(config.gateway.host, config.gateway.port);
  if (busy !== undefined) {
    io.stderr(`corral: ${busy}\n`);
    stateDir.release();
    return EXIT_FAILURE;
  }
  const cgroupMode = run.cgroups ?? io.env.CORRAL_CGROUPS ?? "auto";
  if (!(CGROUP_MODES as readonly string[]).includes(cgroupMode)) {
    throw new UsageError(`--cgroups must be one of ${CGROUP_MODES.join(", ")}; got "${cgroupMode}"`);
  }
  // The state dir names this gateway's cgroups, so a restart on it finds (and sweeps) its leftovers.
  const cgroups = detectCgroups({ mode: cgroupMode as CgroupMode, key: cgroupKey(stateDir.path) });
  logger.info(
    {
      config: configPath,
      stateDir: stateDir.path,
      containment: containment.kind,
      cgroups: cgroups.version,
    },
    `corral ${CORRAL_VERSION} starting`,
  );
  if (cgroups.version === "none" || Object.keys(cgroups.unavailable).length > 0) {
    logger.info({ cgroups: cgroups.description, unavailable: cgroups.unavailable }, "limits");
  }

  const supervisor = new Supervisor({
    config,
    containment,
    cgroups,
    stateDir,
    gatewayEnv: io.env,
    logger,
    clientInfo: { name: "corral", version: CORRAL_VERSION },
    clientCapabilities: (server) => routableClientCapabilities(server.mode),
    openRemoteLink,
    redact: redactor.redactText,
    ...(io.env.DOCKER_HOST === undefined ? {} : { dockerHost: io.env.DOCKER_HOST }),
  });
  const gateway = new Gateway({ config, supervisor, logger, version: CORRAL_VERSION });
  const api = createApiServer({
    supervisor,
    gateway,
    gatewayConfig: config.gateway,
    logger,
    version: CORRAL_VERSION,
    ...(config.secrets === undefined ? {} : { configSecrets: config.secrets }),
    redactor,
  });
  const startedAt = Date.now();
  const onHangup = () =>
    logger.info({ signal: "SIGHUP" }, "SIGHUP received: ignored; config reload comes with `corral apply`");
  process.on("SIGHUP", onHangup);
  // With its terminal closed, writes to it fail (EIO, EPIPE): the gateway keeps serving without them
  // rather than dying of an unhandled stream error.
  const onOutputError = () => {};
  process.stdout.on("error", onOutputError);
  process.stderr.on("error", onOutputError);
  const shutdownRequested = hooks.shutdownSignal ?? waitForSignal();
  const settled = trackStartup(
    supervisor,
    config.servers,
    (line) => io.stderr(redactor.redactText(line)),
    startedAt,
  );
  try {
    await supervisor.start();
    const address = await api.listen(config.gateway.host, config.gateway.port);
    const early = await Promise.race([settled.then(() => undefined), shutdownRequested]);
    if (early === undefined) io.stdout(`corral listening on http://${address.host}:${address.port}\n`);
    const signal = await shutdownRequested;
    logger.info({ signal }, "draining: stopping servers");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((error as NodeJS.ErrnoException).syscall === "listen" && code !== undefined) {
      // Taken between the probe and now: the same sentence as when the probe finds it.
      const { host, port } = config.gateway;
      logger.error(describeListenError(host, port, error as NodeJS.ErrnoException));
    } else {
      logger.error({ err: describeError(error) }, isCorralError(error) ? error.message : "start-up failed");
    }
    await shutdown();
    releaseOutput();
    return EXIT_FAILURE;
  }
  await shutdown();
  logger.info("stopped");
  releaseOutput();
  return EXIT_OK;

  async function shutdown(): Promise<void> {
    // Drain: stop taking sessions, let requests in flight finish (bounded), then close and stop.
    await gateway.drain(DRAIN_GRACE_MS);
    gateway.dispose();
    await api.close();
    await supervisor.dispose();
    stateDir.release();
    process.off("SIGHUP", onHangup);
  }

  function releaseOutput(): void {
    // A closed descriptor keeps its stream's error handler: nothing else should see EBADF.
    if (detachHungUpTerminal()) return;
    process.stdout.off("error", onOutputError);
    process.stderr.off("error", onOutputError);
  }
}

/**
 * Closes stdio descriptors that were a terminal which has since hung up (isatty fails on it now).
 * Node restores a terminal's settings at exit and aborts when that fails (EIO on a hung-up tty),
 * which would turn a clean drain into a crash; it skips descriptors the program closed. True when
 * it closed any.
 */
function detachHungUpTerminal(): boolean {
  let closed = false;
  for (const fd of TERMINAL_FDS) {
    if (isatty(fd)) continue;
    try {
      closeSync(fd);
      closed = true;
    } catch {
      // already closed
    }
  }
  return closed;
}

/** Prints one line per eager server as it first becomes ready or fails; resolves when all have. */
function trackStartup(
  supervisor: Supervisor,
  servers: readonly { name: string; start: string; transport: string; mode: string; disabled: boolean }[],
  print: (line: string) => void,
  startedAt: number,
): Promise<void> {
  const waiting = new Set(
    servers
      .filter((server) => server.start === "eager" && !server.disabled && server.mode === "shared")
      .map((server) => server.name),
  );
  const width = Math.max(0, ...[...waiting].map((name) => name.length));
  return new Promise((resolvePromise) => {
    if (waiting.size === 0) {
      resolvePromise();
      return;
    }
    const unsubscribe = supervisor.onTransition((transition: Transition) => {
      if (!waiting.has(transition.server)) return;
      const elapsed = formatDuration(Date.now() - startedAt);
      const name = transition.server.padEnd(width);
      if (transition.to === "ready") {
        print(`  ready    ${name}  ${elapsed.padStart(6)}  pid ${transition.pid ?? "-"}\n`);
      } else if (transition.to === "backoff" || transition.to === "failed") {
        const next =
          transition.nextAttemptAt === undefined
            ? ""
            : `; next try in ${formatDuration(Math.max(0, transition.nextAttemptAt - Date.now()))}`;
        print(`  ${transition.to.padEnd(8)} ${name}  ${elapsed.padStart(6)}  ${transition.reason}${next}\n`);
      } else {
        return;
      }
      waiting.delete(transition.server);
      if (waiting.size === 0) {
        unsubscribe();
        resolvePromise();
      }
    });
  });
}
