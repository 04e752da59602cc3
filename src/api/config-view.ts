// A server's runtime config as the REST API shows it, with secrets redacted: every env and header
// value, URL userinfo and query values, and any other value that came from a `${…}` reference in the
// file. Which values did is recorded when the config is loaded (config.secrets), never read from the
// file as it is now: an edited file must not make a secret show. The view then goes through the
// redactor as every REST answer does, which replaces known secret values wherever they are.

import type { ConfigSecrets, ServerConfig } from "../config/runtime.js";
import { REDACTED, redactUrl } from "../core/index.js";

export { REDACTED };

/** Per server, the dotted paths (`args.1`, `url`) whose raw value held a `${…}` reference. */
export type DerivedPaths = ReadonlyMap<string, ReadonlySet<string>> | "unknown";

/** The load-time record as a lookup; "unknown" (redact every string) without one. */
export function derivedPathsOf(secrets: ConfigSecrets | undefined): DerivedPaths {
  if (secrets === undefined) return "unknown";
  return new Map(Object.entries(secrets.derivedPaths).map(([name, paths]) => [name, new Set(paths)]));
}

const redactValues = (record: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.keys(record).map((key) => [key, REDACTED]));

export function viewServerConfig(server: ServerConfig, derived: DerivedPaths): Record<string, unknown> {
  // A server the record does not know (it cannot happen; if it did) is treated as unknown: fail closed.
  const own = derived === "unknown" ? undefined : derived.get(server.name);
  const isDerived = (path: string) => own === undefined || own.has(path);
  const pick = (path: string, value: string | undefined) =>
    value === undefined ? undefined : isDerived(path) ? REDACTED : value;
  const url = pick("url", server.url);
  return {
    ...server,
    command: pick("command", server.command),
    args: server.args.map((arg, index) => (isDerived(`args.${index}`) ? REDACTED : arg)),
    cwd: pick("cwd", server.cwd),
    ...(server.container === undefined
      ? {}
      : { container: { ...server.container, image: pick("image", server.container.image) } }),
    url: url === undefined || url === REDACTED ? url : redactUrl(url),
    env: redactValues(server.env),
    headers: redactValues(server.headers),
  };
}
