// What of a config is secret, for the one redactor (core/redact.ts): the values `${…}` references
// expanded to and where they stood, recorded when the file is loaded (the file may change later), and
// the values the runtime form holds that are secret whatever their origin: env and header values,
// URL userinfo and query values.
import { interpolateString, type Variables } from "./interpolate.js";
import type { ConfigSecrets, CorralConfig } from "./types.js";

/** Raw keys that normalise into another runtime key. */
const ALIASES: Readonly<Record<string, string>> = { serverUrl: "url" };

function collect(
  value: unknown,
  path: string,
  vars: Variables,
  paths: Set<string>,
  expansions: Set<string>,
): void {
  if (typeof value === "string") {
    const found = interpolateString(value, vars).expansions;
    if (value.replaceAll("$${", "").includes("${")) paths.add(path);
    for (const expansion of found) expansions.add(expansion);
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries())
      collect(item, path === "" ? String(index) : `${path}.${index}`, vars, paths, expansions);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const name = path === "" ? (ALIASES[key] ?? key) : `${path}.${key}`;
      collect(item, name, vars, paths, expansions);
    }
  }
}

/** From the servers section as written (before interpolation) and the variables it was given. */
export function recordSecrets(servers: unknown, vars: Variables): ConfigSecrets {
  const expansions = new Set<string>();
  const derivedPaths: Record<string, string[]> = {};
  if (typeof servers === "object" && servers !== null) {
    for (const [name, entry] of Object.entries(servers)) {
      const paths = new Set<string>();
      collect(entry, "", vars, paths, expansions);
      derivedPaths[name] = [...paths];
    }
  }
  return { expansions: [...expansions], derivedPaths };
}

/** A URL's userinfo and query values, as written and decoded; none when it is not a URL. */
function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const values = [parsed.username, parsed.password];
  if (parsed.username !== "" || parsed.password !== "") {
    // What the remote link sends for it (upstream/remote-link.ts): Basic auth, which a server may echo.
    const pair = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    values.push(Buffer.from(pair).toString("base64"));
  }
  for (const [, value] of parsed.searchParams) values.push(value);
  const query = parsed.search.slice(1);
  for (const pair of query === "" ? [] : query.split("&")) values.push(pair.slice(pair.indexOf("=") + 1));
  return values.filter((value) => value !== "");
}

/** Every value of `config` the redactor replaces wherever it appears. */
export function listSecretValues(config: CorralConfig): string[] {
  const values = new Set(config.secrets?.expansions ?? []);
  for (const server of config.servers) {
    for (const value of Object.values(server.env)) values.add(value);
    for (const value of Object.values(server.headers)) {
      values.add(value);
      // `Bearer <token>`: the token alone appears in other output too.
      const space = value.indexOf(" ");
      if (space !== -1) values.add(value.slice(space + 1));
    }
    if (server.url !== undefined) for (const value of urlSecrets(server.url)) values.add(value);
  }
  values.delete("");
  return [...values];
}
