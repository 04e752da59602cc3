// The runtime form of a configuration: what every other layer reads. The file formats (corral.yaml,
// mcpServers JSON, VS Code mcp.json) are all normalised into this one shape, with defaults applied,
// durations in ms, sizes in bytes and paths absolute.

export type Transport = "stdio" | "http" | "sse";
export type InstanceMode = "shared" | "per-session";
export type StartPolicy = "eager" | "lazy";
export type LimitEnforcement = "strict" | "best-effort";

export interface RestartPolicy {
  readonly enabled: boolean;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** A run that stayed ready this long resets the failure count. */
  readonly resetAfterMs: number;
  /** Consecutive failures before the server is `failed`. */
  readonly maxFailures: number;
  /** Relative jitter applied to each delay (0.1 = ±10 %). */
  readonly jitter: number;
}

export interface StopPolicy {
  readonly stdinGraceMs: number;
  readonly termGraceMs: number;
}

export interface HealthPolicy {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly failureThreshold: number;
}

export interface Limits {
  readonly memoryBytes?: number;
  /** CPU cores, e.g. 0.5. */
  readonly cpu?: number;
  readonly pids?: number;
  readonly enforce: LimitEnforcement;
}

export interface SandboxConfig {
  readonly network: "none" | "host";
  /** Shown read-only; the rest of the host outside the system folders is hidden. */
  readonly readable: readonly string[];
  readonly readOnly: readonly string[];
  readonly writable: readonly string[];
  readonly tmp: "private" | "host";
}

/** How a `runtime: container` server's container is made (Docker Engine API). */
export interface ContainerSettings {
  readonly image: string;
  readonly network: "none" | "bridge" | "host";
  /** missing: pull when the engine lacks the image; always: before each start; never: fail instead. */
  readonly pull: "missing" | "always" | "never";
  /** The root filesystem read-only (default); /tmp is a tmpfs either way. */
  readonly readOnlyRoot: boolean;
  /**
   * The container's user as configured. Absent: the image's USER when it is not root, else
   * 65534:65534 (nobody).
   */
  readonly user?: string;
}

export interface ToolFilter {
  /** When set, only these tools are exposed. */
  readonly allow?: readonly string[];
  readonly deny: readonly string[];
}

export interface ServerConfig {
  readonly name: string;
  readonly transport: Transport;
  /** stdio only; absent for containers. */
  readonly command?: string;
  /** Present exactly for `runtime: container` servers (args and env then go to the container). */
  readonly container?: ContainerSettings;
  readonly args: readonly string[];
  /** Configured environment (envFile merged under env). */
  readonly env: Readonly<Record<string, string>>;
  /** Names of gateway environment variables passed through unchanged. */
  readonly inheritEnv: readonly string[];
  /** Absolute working directory; defaults to the config file's folder. */
  readonly cwd: string;
  /** http / sse only. */
  readonly url?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly mode: InstanceMode;
  readonly replicas: number;
  readonly maxInstances: number;
  /** null = never stop an idle instance. */
  readonly idleTimeoutMs: number | null;
  readonly start: StartPolicy;
  readonly restart: RestartPolicy;
  readonly stop: StopPolicy;
  readonly health: HealthPolicy;
  readonly startupTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly limits?: Limits;
  readonly sandbox?: SandboxConfig;
  readonly tools: ToolFilter;
  /** Prefix for aggregated names; false = names untouched. Defaults to the server's name. */
  readonly prefix: string | false;
  /** Servers marked disabled stay in the config but are never started. */
  readonly disabled: boolean;
}

export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  /** Absolute path. */
  readonly stateDir: string;
  /** Budget of processes (descendants included) across all servers; undefined = unlimited. */
  readonly maxProcesses?: number;
  /** Separator between prefix and name in aggregated catalogs. */
  readonly separator: string;
  /** Host header values accepted besides the loopback names. */
  readonly allowedHosts: readonly string[];
  /** Origin header values accepted besides loopback origins. */
  readonly allowedOrigins: readonly string[];
  readonly maxBodyBytes: number;
  readonly sessionIdleTimeoutMs: number;
  /** Which servers /readyz waits for (docs/api.md). */
  readonly readiness: Readiness;
  readonly quotas: Quotas;
  /** What to do when one server's names or URI templates would shadow another's on /mcp. */
  readonly shadowing: Shadowing;
}

/** `gateway.quotas`, in runtime units (bytes, counts): docs/security.md#quotas. */
export interface Quotas {
  /** Client sessions at once, all clients together. */
  readonly sessions: number;
  /** Client sessions at once from one client address. */
  readonly sessionsPerAddress: number;
  /** JSON size of what a session keeps of its initialize (clientInfo). */
  readonly initializeDataBytes: number;
  readonly subscriptionsPerSession: number;
  /** Longest resource URI a session may subscribe to. */
  readonly subscriptionUriBytes: number;
  /** Messages in one JSON-RPC batch (where the protocol version allows batches). */
  readonly batchLength: number;
  readonly inFlightPerSession: number;
  /** Requests in flight to one server, all its instances and sessions together. */
  readonly inFlightPerServer: number;
  /** SSE streams a session has open at once (its GET stream and POST answers sent as streams). */
  readonly sseStreamsPerSession: number;
  /** Open TCP connections to the gateway's listener. */
  readonly connections: number;
  /** Bytes waiting on a stream whose client does not read; beyond, the stream is ended. */
  readonly streamBufferBytes: number;
  /** Share (0–1] of a per-session server's maxInstances that one non-loopback address may hold. */
  readonly instanceSharePerAddress: number;
}

/** refuse: leave the shadowing item out (and reject configs where it is certain); warn: log only. */
export type Shadowing = "refuse" | "warn";

/** all / any of the servers that should be running, or exactly the listed ones. */
export type Readiness = "all" | "any" | readonly string[];

export interface CorralConfig {
  /** Absolute path of the file this was loaded from. */
  readonly source: string;
  readonly gateway: GatewayConfig;
  /** In file order. */
  readonly servers: readonly ServerConfig[];
  /**
   * What the loader saw of `${…}` references, for redaction (docs/security.md). Absent when the
   * config was not loaded from a file: every string that could hold a secret is then redacted.
   */
  readonly secrets?: ConfigSecrets;
}

/** Recorded at load time, so redaction never depends on the file as it is now. */
export interface ConfigSecrets {
  /** Every value a `${…}` reference in a server's entry expanded to. */
  readonly expansions: readonly string[];
  /** Per server, the dotted paths in the runtime form (`args.1`, `url`) whose raw value held a reference. */
  readonly derivedPaths: Readonly<Record<string, readonly string[]>>;
}

/** One problem found in a config file. Every problem of a file is reported at once. */
export interface ConfigIssue {
  readonly file: string;
  /** Dotted path into the document, e.g. `servers.fs.args`. Empty for the document itself. */
  readonly path: string;
  /** 1-based; absent where the format gives no position. */
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export type ConfigLoadResult =
  | { readonly ok: true; readonly config: CorralConfig; readonly warnings: readonly ConfigIssue[] }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

export interface LoadConfigOptions {
  /** Variables for `${VAR}` interpolation (the cli passes its own environment). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Overrides from the command line; they win over the file. */
  readonly overrides?: {
    readonly host?: string;
    readonly port?: number;
    readonly stateDir?: string;
  };
}
