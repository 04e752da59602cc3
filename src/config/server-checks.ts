// Rules about one server entry that span several keys: which transport it is, what that transport
// needs, and numbers that are each valid but impossible together. They run even when some keys are
// invalid (so every problem is reported at once), hence the type checks on every value.
import type { z } from "zod";
import { SERVER_DEFAULTS as D } from "./defaults.js";
import { formatDuration } from "./duration.js";

type Transport = "stdio" | "http" | "sse";
type Entry = Record<string, unknown>;

const STDIO_ONLY = ["command", "args", "env", "envFile", "inheritEnv", "cwd", "limits", "sandbox"] as const;
const REMOTE_ONLY = ["headers"] as const;
const CONTAINER_ONLY = ["image", "network", "pull", "user", "readOnlyRoot"] as const;
/** Process keys that mean nothing to a container, with what to do instead. */
const NOT_FOR_CONTAINERS = {
  command: `"command" is for runtime: process; a container runs its image's entrypoint, with "args"`,
  cwd: `"cwd" is a host folder; a container starts in its image's WORKDIR`,
  sandbox: `"sandbox" is for runtime: process; the engine isolates a container (see "network")`,
} as const;

function asTransport(value: unknown): Transport | undefined {
  if (value === "streamable-http" || value === "streamableHttp") return "http";
  return value === "stdio" || value === "http" || value === "sse" ? value : undefined;
}

/** The transport an entry asks for, explicit or implied by having a URL and no command (or image). */
export function inferTransport(entry: Entry): Transport {
  const explicit = asTransport(entry.transport) ?? asTransport(entry.type);
  if (explicit !== undefined) return explicit;
  if (entry.runtime === "container") return "stdio";
  const hasUrl = entry.url !== undefined || entry.serverUrl !== undefined;
  return hasUrl && entry.command === undefined ? "http" : "stdio";
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

function numberAt(entry: Entry, section: string, key: string): number | undefined {
  const inner = entry[section];
  if (typeof inner !== "object" || inner === null) return undefined;
  const value = (inner as Entry)[key];
  return typeof value === "number" ? value : undefined;
}

type Report = (path: readonly (string | number)[], message: string) => void;

/** What the runtime (process or container) needs, and the keys that belong to the other one. */
function checkRuntimeKeys(entry: Entry, transport: Transport, urlKey: string | undefined, report: Report) {
  if (entry.runtime === "container") {
    if (transport !== "stdio") {
      report(["runtime"], `runtime: container runs a stdio server; ${transport} servers are reached by url`);
      return;
    }
    if (entry.image === undefined) report([], `container server needs "image"`);
    for (const [key, message] of Object.entries(NOT_FOR_CONTAINERS)) {
      if (entry[key] !== undefined) report([key], message);
    }
    if (urlKey !== undefined)
      report([urlKey], `a container server has no "${urlKey}"; it talks over its stdin and stdout`);
    return;
  }
  for (const key of CONTAINER_ONLY) {
    if (entry[key] !== undefined) report([key], `"${key}" is only for runtime: container`);
  }
  if (transport === "stdio") {
    if (entry.command === undefined) report([], `stdio server needs "command"`);
    if (urlKey !== undefined)
      report([urlKey], `a stdio server has no "${urlKey}"; remove it or set transport: http`);
  }
}

export function checkServer(entry: Entry, ctx: z.RefinementCtx): void {
  const report: Report = (path, message) => ctx.addIssue({ code: "custom", path: [...path], message });
  const explicit = asTransport(entry.transport);
  const alias = asTransport(entry.type);
  if (explicit !== undefined && alias !== undefined && explicit !== alias) {
    report(["type"], `"type" says ${alias} but "transport" says ${explicit}; keep one`);
  }
  if (entry.url !== undefined && entry.serverUrl !== undefined) {
    report(["serverUrl"], `give "url" or "serverUrl", not both`);
  }
  const transport = inferTransport(entry);
  const urlKey = entry.url !== undefined ? "url" : entry.serverUrl !== undefined ? "serverUrl" : undefined;
  // An invalid runtime is reported by the schema; guessing which one was meant would only add echoes.
  if (entry.runtime === undefined || entry.runtime === "process" || entry.runtime === "container") {
    checkRuntimeKeys(entry, transport, urlKey, report);
  }
  if (transport === "stdio") {
    for (const key of REMOTE_ONLY) {
      if (entry[key] !== undefined) report([key], `"${key}" is only for http and sse servers`);
    }
  } else {
    if (urlKey === undefined) report([], `${transport} server needs "url"`);
    for (const key of STDIO_ONLY) {
      if (entry[key] !== undefined) report([key], `"${key}" is only for stdio servers`);
    }
  }
  const url = urlKey === undefined ? undefined : entry[urlKey];
  if (typeof url === "string" && url !== "" && !isHttpUrl(url)) {
    report([urlKey!], `${JSON.stringify(url)} is not an http(s) URL`);
  }

  const replicas = entry.replicas;
  if (typeof replicas === "number" && replicas > 1) {
    const maxInstances = typeof entry.maxInstances === "number" ? entry.maxInstances : D.maxInstances;
    if (entry.mode === "per-session") {
      report(
        ["replicas"],
        "replicas cannot be combined with mode: per-session; each session has its own instance",
      );
    } else if (replicas > maxInstances) {
      report(
        ["replicas"],
        `replicas (${replicas}) exceeds maxInstances (${maxInstances}); raise maxInstances`,
      );
    }
  }

  const initialDelay = numberAt(entry, "restart", "initialDelay") ?? D.restart.initialDelayMs;
  const maxDelay = numberAt(entry, "restart", "maxDelay") ?? D.restart.maxDelayMs;
  if (maxDelay < initialDelay) {
    const key = numberAt(entry, "restart", "maxDelay") === undefined ? "initialDelay" : "maxDelay";
    report(
      ["restart", key],
      `maxDelay (${formatDuration(maxDelay)}) is shorter than initialDelay (${formatDuration(initialDelay)})`,
    );
  }
  const interval = numberAt(entry, "health", "interval") ?? D.health.intervalMs;
  const timeout = numberAt(entry, "health", "timeout") ?? D.health.timeoutMs;
  if (timeout > interval) {
    const key = numberAt(entry, "health", "timeout") === undefined ? "interval" : "timeout";
    report(
      ["health", key],
      `timeout (${formatDuration(timeout)}) is longer than interval (${formatDuration(interval)})`,
    );
  }
}
