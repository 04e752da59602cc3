// Whether a client's server and the gateway's server of the same name are the same server: same
// program, arguments, environment, or URL and headers. Both sides are compared in Corral's runtime
// form, so `${VAR}`, relative paths and `type`/`serverUrl` aliases are already resolved.
import { basename } from "node:path";
import type { ServerConfig } from "../config/index.js";

/** `npx -y pkg` and `npx pkg@latest` run the same thing; `-y` only skips npx's install prompt. */
const NPX_PROMPT_FLAGS = new Set(["-y", "--yes"]);

const programName = (command: string) => basename(command).replace(/\.(cmd|exe)$/i, "");

function sameCommand(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  // A bare name and an absolute path to a program of that name: the client resolves the bare one on
  // its own PATH, which Corral cannot see, so the name is what can be compared.
  const bare = !a.includes("/") || !b.includes("/");
  return bare && programName(a) === programName(b);
}

function normaliseArgs(command: string | undefined, args: readonly string[]): string[] {
  if (command === undefined || programName(command) !== "npx") return [...args];
  return args.filter((arg) => !NPX_PROMPT_FLAGS.has(arg)).map((arg) => arg.replace(/(.)@latest$/, "$1"));
}

const trimSlash = (url: string | undefined) => url?.replace(/\/+$/, "");
const lowerKeys = (record: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));

function differingKeys(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
  prefix: string,
): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((key) => a[key] !== b[key]).map((key) => `${prefix}.${key}`);
}

/**
 * What differs between the two definitions, by name only (`args`, `env.TOKEN`): values may be secrets
 * and are never part of the answer. Empty when they are the same server. `cwd` counts only when the
 * client set one: a client's default working folder is its own business.
 */
export function compareServers(client: ServerConfig, gateway: ServerConfig, clientSetCwd: boolean): string[] {
  const differences: string[] = [];
  if (client.transport !== gateway.transport) differences.push("transport");
  if (client.transport === "stdio" || gateway.transport === "stdio") {
    if (!sameCommand(client.command, gateway.command)) differences.push("command");
    const clientArgs = normaliseArgs(client.command, client.args);
    const gatewayArgs = normaliseArgs(gateway.command, gateway.args);
    if (JSON.stringify(clientArgs) !== JSON.stringify(gatewayArgs)) differences.push("args");
    differences.push(...differingKeys(client.env, gateway.env, "env"));
    if (clientSetCwd && client.cwd !== gateway.cwd) differences.push("cwd");
  }
  if (client.transport !== "stdio" || gateway.transport !== "stdio") {
    if (trimSlash(client.url) !== trimSlash(gateway.url)) differences.push("url");
    differences.push(...differingKeys(lowerKeys(client.headers), lowerKeys(gateway.headers), "headers"));
  }
  return differences;
}
