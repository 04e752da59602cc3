// The environment a server process gets: a minimal base, the variables the config names in
// `inheritEnv`, then the configured `env`. Nothing else of the gateway's environment leaks in
// (API keys of other servers, the gateway's own secrets).

import type { ServerConfig } from "../config/index.js";

const BASE_VARIABLES = ["PATH", "HOME", "LANG", "TZ"] as const;
const FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function buildChildEnv(
  server: Pick<ServerConfig, "env" | "inheritEnv">,
  gatewayEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_VARIABLES, ...server.inheritEnv]) {
    const value = gatewayEnv[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= FALLBACK_PATH;
  return { ...env, ...server.env };
}
