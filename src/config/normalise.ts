// Turns a validated file into the runtime form: defaults applied, durations in ms, sizes in bytes,
// paths absolute, aliases (`type`, `serverUrl`) folded into their Corral keys. It cannot fail: the
// input is already validated and envFiles were read beforehand.
import { resolve } from "node:path";
import {
  SERVER_DEFAULTS as D,
  DEFAULT_HOST,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PORT,
  DEFAULT_SEPARATOR,
  DEFAULT_SESSION_IDLE_TIMEOUT_MS,
  DEFAULT_STATE_DIR,
  QUOTA_DEFAULTS,
} from "./defaults.js";
import type { ConfigFile } from "./schema.js";
import { inferTransport } from "./server-checks.js";
import type { ServerInput } from "./server-schema.js";
import type { CorralConfig, GatewayConfig, LoadConfigOptions, Quotas, ServerConfig } from "./types.js";

export interface NormaliseContext {
  readonly source: string;
  readonly configDir: string;
  /** Already absolute: the loader needs it for ${CORRAL_STATE_DIR} before normalising. */
  readonly stateDir: string;
  /** Server names in file order (a JS object would put "1" before "b"). */
  readonly serverOrder: readonly string[];
  readonly overrides: LoadConfigOptions["overrides"];
  /** Variables of the server's envFile, read (and its problems reported) before validation. */
  readonly readEnvFile: (server: string) => Record<string, string> | undefined;
}

function normaliseServer(name: string, input: ServerInput, context: NormaliseContext): ServerConfig {
  const fromDir = (path: string) => resolve(context.configDir, path);
  const mode = input.mode ?? D.mode;
  const envFile = context.readEnvFile(name) ?? {};
  const url = input.url ?? input.serverUrl;
  const { limits, sandbox } = input;
  return {
    name,
    transport: inferTransport(input),
    ...(input.command === undefined ? {} : { command: input.command }),
    ...(input.runtime !== "container" || input.image === undefined
      ? {}
      : {
          container: {
            image: input.image,
            network: input.network ?? D.container.network,
            pull: input.pull ?? D.container.pull,
            readOnlyRoot: input.readOnlyRoot ?? D.container.readOnlyRoot,
            ...(input.user === undefined ? {} : { user: input.user }),
          },
        }),
    args: input.args ?? [],
    env: { ...envFile, ...input.env },
    inheritEnv: input.inheritEnv ?? [],
    cwd: fromDir(input.cwd ?? "."),
    ...(url === undefined ? {} : { url }),
    headers: input.headers ?? {},
    mode,
    replicas: input.replicas ?? D.replicas,
    maxInstances: input.maxInstances ?? D.maxInstances,
    idleTimeoutMs:
      input.idleTimeout === undefined
        ? mode === "per-session"
          ? D.perSessionIdleTimeoutMs
          : null
        : input.idleTimeout,
    start: input.start ?? D.start,
    restart: {
      enabled: input.restart?.enabled ?? D.restart.enabled,
      initialDelayMs: input.restart?.initialDelay ?? D.restart.initialDelayMs,
      maxDelayMs: input.restart?.maxDelay ?? D.restart.maxDelayMs,
      resetAfterMs: input.restart?.resetAfter ?? D.restart.resetAfterMs,
      maxFailures: input.restart?.maxFailures ?? D.restart.maxFailures,
      jitter: D.restart.jitter,
    },
    stop: {
      stdinGraceMs: input.stop?.stdinGrace ?? D.stop.stdinGraceMs,
      termGraceMs: input.stop?.termGrace ?? D.stop.termGraceMs,
    },
    health: {
      intervalMs: input.health?.interval ?? D.health.intervalMs,
      timeoutMs: input.health?.timeout ?? D.health.timeoutMs,
      failureThreshold: input.health?.failureThreshold ?? D.health.failureThreshold,
    },
    startupTimeoutMs: input.startupTimeout ?? D.startupTimeoutMs,
    requestTimeoutMs: input.requestTimeout ?? D.requestTimeoutMs,
    ...(limits === undefined
      ? {}
      : {
          limits: {
            ...(limits.memory === undefined ? {} : { memoryBytes: limits.memory }),
            ...(limits.cpu === undefined ? {} : { cpu: limits.cpu }),
            ...(limits.pids === undefined ? {} : { pids: limits.pids }),
            enforce: limits.enforce ?? D.limits.enforce,
          },
        }),
    ...(sandbox === undefined
      ? {}
      : {
          sandbox: {
            network: sandbox.network ?? D.sandbox.network,
            readable: (sandbox.readable ?? []).map(fromDir),
            readOnly: (sandbox.readOnly ?? []).map(fromDir),
            writable: (sandbox.writable ?? []).map(fromDir),
            tmp: sandbox.tmp ?? D.sandbox.tmp,
          },
        }),
    tools: {
      ...(input.tools?.allow === undefined ? {} : { allow: input.tools.allow }),
      deny: input.tools?.deny ?? [],
    },
    prefix: input.prefix ?? name,
    disabled: input.disabled ?? false,
  };
}

function normaliseQuotas(quotas: NonNullable<NonNullable<ConfigFile["gateway"]>["quotas"]>): Quotas {
  const Q = QUOTA_DEFAULTS;
  return {
    sessions: quotas.sessions ?? Q.sessions,
    sessionsPerAddress: quotas.sessionsPerAddress ?? Q.sessionsPerAddress,
    initializeDataBytes: quotas.initializeData ?? Q.initializeDataBytes,
    subscriptionsPerSession: quotas.subscriptionsPerSession ?? Q.subscriptionsPerSession,
    subscriptionUriBytes: quotas.subscriptionUri ?? Q.subscriptionUriBytes,
    batchLength: quotas.batchLength ?? Q.batchLength,
    inFlightPerSession: quotas.inFlightPerSession ?? Q.inFlightPerSession,
    inFlightPerServer: quotas.inFlightPerServer ?? Q.inFlightPerServer,
    sseStreamsPerSession: quotas.sseStreamsPerSession ?? Q.sseStreamsPerSession,
    connections: quotas.connections ?? Q.connections,
    streamBufferBytes: quotas.streamBuffer ?? Q.streamBufferBytes,
    instanceSharePerAddress: quotas.instanceSharePerAddress ?? Q.instanceSharePerAddress,
  };
}

export function normaliseConfig(file: ConfigFile, context: NormaliseContext): CorralConfig {
  const gateway = file.gateway ?? {};
  const overrides = context.overrides ?? {};
  const gatewayConfig: GatewayConfig = {
    host: overrides.host ?? gateway.host ?? DEFAULT_HOST,
    port: overrides.port ?? gateway.port ?? DEFAULT_PORT,
    stateDir: context.stateDir,
    ...(gateway.maxProcesses === undefined ? {} : { maxProcesses: gateway.maxProcesses }),
    separator: gateway.separator ?? DEFAULT_SEPARATOR,
    allowedHosts: gateway.allowedHosts ?? [],
    allowedOrigins: gateway.allowedOrigins ?? [],
    maxBodyBytes: gateway.maxBodySize ?? DEFAULT_MAX_BODY_BYTES,
    sessionIdleTimeoutMs: gateway.sessionIdleTimeout ?? DEFAULT_SESSION_IDLE_TIMEOUT_MS,
    readiness: gateway.readiness ?? "all",
    quotas: normaliseQuotas(gateway.quotas ?? {}),
    shadowing: gateway.shadowing ?? "refuse",
  };
  const entries = file.servers ?? file.mcpServers ?? {};
  const servers = context.serverOrder
    .filter((name) => Object.hasOwn(entries, name))
    .map((name) => normaliseServer(name, entries[name]!, context));
  return { source: context.source, gateway: gatewayConfig, servers };
}

/** The absolute state dir: the CLI's override (relative to the process cwd), else the file's, else the default. */
export function resolveStateDir(configDir: string, fromFile: string | undefined, override?: string): string {
  if (override !== undefined) return resolve(override);
  return resolve(configDir, fromFile ?? DEFAULT_STATE_DIR);
}
