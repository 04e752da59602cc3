// Reads the envFile of every server up front, so a missing or malformed one is reported together with
// every other problem of the config instead of after they are fixed.
import { readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { Finding, PathSegment } from "./document.js";
import { parseEnvFile } from "./env-file.js";

export type EnvFileValues = ReadonlyMap<string, Record<string, string>>;

/**
 * Variables of each server's envFile by server name. `data` is the interpolated document; `file` is the
 * config path as given, so problems inside an envFile name it the way the user wrote the config's path.
 */
export function readEnvFiles(
  data: unknown,
  file: string,
  configDir: string,
  findings: Finding[],
): EnvFileValues {
  const values = new Map<string, Record<string, string>>();
  if (typeof data !== "object" || data === null) return values;
  for (const key of ["servers", "mcpServers"]) {
    const servers = (data as Record<string, unknown>)[key];
    if (typeof servers !== "object" || servers === null) continue;
    for (const [name, entry] of Object.entries(servers)) {
      const envFile = (entry as Record<string, unknown> | null)?.envFile;
      if (typeof envFile !== "string" || envFile === "") continue;
      const parsed = readEnvFileAt(envFile, file, configDir, [key, name, "envFile"], findings);
      if (parsed === undefined) continue;
      values.set(name, parsed);
    }
  }
  return values;
}

/**
 * The variables of one dotenv file, `envFile` as written (relative to the config's folder); a missing
 * file or a malformed line becomes a finding at `at`. Undefined when the file cannot be read.
 */
export function readEnvFileAt(
  envFile: string,
  file: string,
  configDir: string,
  at: readonly PathSegment[],
  findings: Finding[],
): Record<string, string> | undefined {
  const path = resolve(configDir, envFile);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : String(error);
    findings.push({ path: at, message: `envFile ${reason}: ${path}` });
    return undefined;
  }
  const parsed = parseEnvFile(text);
  const shownAs = isAbsolute(envFile) ? envFile : join(file, "..", envFile);
  for (const problem of parsed.problems) {
    const position = { line: problem.line, column: problem.column };
    findings.push({ file: shownAs, path: at, message: problem.message, position });
  }
  return parsed.values;
}
