// DNS-rebinding protection: a browser page on evil.example that resolves to 127.0.0.1 sends
// `Host: evil.example` and an `Origin` of its own; both are refused unless the operator allowed them.

import type { IncomingMessage } from "node:http";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export interface GuardOptions {
  /** The address the gateway binds; a specific non-loopback address is allowed as a Host too. */
  readonly bindHost: string;
  readonly allowedHosts: readonly string[];
  readonly allowedOrigins: readonly string[];
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

export function createGuard(options: GuardOptions): (request: IncomingMessage) => Refusal | undefined {
  const hosts = new Set([...LOOPBACK_HOSTS, ...options.allowedHosts.map((host) => host.toLowerCase())]);
  if (options.bindHost !== "0.0.0.0" && options.bindHost !== "::") hosts.add(options.bindHost.toLowerCase());
  const origins = new Set(options.allowedOrigins.map((origin) => origin.toLowerCase().replace(/\/+$/, "")));
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
    if (origin === undefined) return undefined;
    const normalised = origin.toLowerCase().replace(/\/+$/, "");
    let originHost = "";
    try {
      originHost = new URL(normalised).host;
    } catch {
      // "null" and other opaque origins fall through to the refusal.
    }
    if (origins.has(normalised) || (originHost !== "" && isAllowedHost(originHost))) return undefined;
    return {
      status: 403,
      code: "ORIGIN_NOT_ALLOWED",
      message: `Origin ${JSON.stringify(origin)} is not allowed; add it to gateway.allowedOrigins to let that page call the gateway`,
    };
  };
}
