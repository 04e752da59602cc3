// DNS-rebinding and cross-origin protection: a browser page on evil.example that resolves to 127.0.0.1
// sends `Host: evil.example`; a page on another origin (`http://localhost:9999` included) sends its
// `Origin`. Both are refused unless the operator allowed them; Origins match exactly (scheme, host,
// port), by default only the gateway's own. Every check is linear in the header's length.

import type { IncomingMessage } from "node:http";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
/** The names a page served by the gateway itself can have in its Origin. */
const LOOPBACK_ORIGIN_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

export interface GuardOptions {
  /** The address the gateway binds; a specific non-loopback address is allowed as a Host too. */
  readonly bindHost: string;
  readonly allowedHosts: readonly string[];
  readonly allowedOrigins: readonly string[];
  /** The port the gateway listens on (known only once it listens: `--port 0`). */
  readonly port: () => number | undefined;
}

export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

function hostnameOf(hostHeader: string): string {
  const trimmed = hostHeader.trim().toLowerCase();
  if (trimmed.startsWith("[")) return trimmed.slice(0, trimmed.indexOf("]") + 1);
  const colon = trimmed.lastIndexOf(":");
  return colon === -1 ? trimmed : trimmed.slice(0, colon);
}

/** Lower-cased, trailing slashes dropped, by a loop: a regex like /\/+$/ is quadratic on "////…x". */
export function normaliseOrigin(origin: string): string {
  let end = origin.length;
  while (end > 0 && origin.charCodeAt(end - 1) === 0x2f) end -= 1;
  return origin.slice(0, end).trim().toLowerCase();
}

/** An allowedOrigins entry as browsers serialise origins (`https://app.example.com`, default port dropped). */
function canonicalOrigin(entry: string): string {
  try {
    const origin = new URL(entry).origin;
    return origin === "null" ? normaliseOrigin(entry) : origin.toLowerCase();
  } catch {
    return normaliseOrigin(entry);
  }
}

/** The gateway's own origins at `port`: what a page it served itself would send. */
export function ownOrigins(bindHost: string, port: number): string[] {
  const names = new Set(LOOPBACK_ORIGIN_HOSTS);
  if (bindHost !== "0.0.0.0" && bindHost !== "::") {
    names.add(bindHost.includes(":") && !bindHost.startsWith("[") ? `[${bindHost}]` : bindHost);
  }
  return [...names].flatMap((name) => {
    const host = name.toLowerCase();
    return port === 80 ? [`http://${host}`, `http://${host}:80`] : [`http://${host}:${port}`];
  });
}

export function createGuard(options: GuardOptions): (request: IncomingMessage) => Refusal | undefined {
  const hosts = new Set([...LOOPBACK_HOSTS, ...options.allowedHosts.map((host) => host.toLowerCase())]);
  if (options.bindHost !== "0.0.0.0" && options.bindHost !== "::") hosts.add(options.bindHost.toLowerCase());
  const configured = options.allowedOrigins.map(canonicalOrigin);
  let origins: { port: number | undefined; set: ReadonlySet<string> } | undefined;
  const allowedOrigins = () => {
    const port = options.port();
    if (origins === undefined || origins.port !== port) {
      const own = port === undefined ? [] : ownOrigins(options.bindHost, port);
      origins = { port, set: new Set([...own, ...configured]) };
    }
    return origins.set;
  };
  const isAllowedHost = (header: string) => hosts.has(header.toLowerCase()) || hosts.has(hostnameOf(header));
  return (request) => {
    const host = request.headers.host;
    if (host === undefined || !isAllowedHost(host)) {
      return {
        status: 403,
        code: "HOST_NOT_ALLOWED",
        message: `Host ${JSON.stringify(host ?? "")} is not allowed; add it to gateway.allowedHosts if this gateway is meant to be reached by that name`,
      };
    }
    const origin = request.headers.origin;
    // Non-browser clients (curl, SDKs, backends) send no Origin: nothing to check.
    if (origin === undefined || allowedOrigins().has(normaliseOrigin(origin))) return undefined;
    const shown = origin.length > 200 ? `${origin.slice(0, 200)}…` : origin;
    return {
      status: 403,
      code: "ORIGIN_NOT_ALLOWED",
      message: `Origin ${JSON.stringify(shown)} is not allowed: only the gateway's own origins and exactly those in gateway.allowedOrigins (scheme, host and port) are; add it there to let that page call the gateway`,
    };
  };
}
