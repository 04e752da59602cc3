// The one load path shared by `corral validate` and `corral up`: text → document → ${VAR} interpolation
// → strict schema → runtime form. Every problem of a file is collected before giving up, each tied to
// a dotted path and, where the format allows, a line and column.
import { readFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { readClientFileData } from "./client-file.js";
import { type Finding, type PathSegment, parseText, type SourceDocument } from "./document.js";
import { readEnvFileAt, readEnvFiles } from "./env-files.js";
import { interpolateData, interpolateString } from "./interpolate.js";
import { createIssueReader } from "./issues.js";
import { normaliseConfig, resolveStateDir } from "./normalise.js";
import { configFileSchema } from "./schema.js";
import { recordSecrets } from "./secrets.js";
import { IGNORED_SERVER_KEYS } from "./server-schema.js";
import type { ConfigIssue, ConfigLoadResult, LoadConfigOptions } from "./types.js";

const STATE_DIR_PATH = ["gateway", "stateDir"] as const;
const ENV_FILE_PATH = ["envFile"] as const;
const isPath = (path: readonly PathSegment[], expected: readonly PathSegment[]) =>
  path.length === expected.length && path.every((segment, index) => segment === expected[index]);

function toIssues(findings: readonly Finding[], file: string, document?: SourceDocument): ConfigIssue[] {
  const issues = findings.map((finding): ConfigIssue => {
    const position = finding.position ?? document?.locate(finding.path, finding.target);
    return {
      file: finding.file ?? file,
      path: finding.path.join("."),
      ...(position === undefined ? {} : { line: position.line, column: position.column }),
      message: finding.message,
    };
  });
  const rank = (issue: ConfigIssue) => (issue.file === file ? 0 : 1);
  return issues.sort(
    (a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

function collectWarnings(data: Record<string, unknown>): Finding[] {
  const warnings: Finding[] = [];
  const serversKey = data.mcpServers != null ? "mcpServers" : "servers";
  const servers = data[serversKey];
  if (typeof servers !== "object" || servers === null || Object.keys(servers).length === 0) {
    warnings.push({ path: [serversKey], message: "no servers defined; add one under servers:" });
  } else {
    for (const [name, entry] of Object.entries(servers)) {
      for (const key of IGNORED_SERVER_KEYS) {
        if (typeof entry === "object" && entry !== null && key in entry) {
          const message = "ignored: a client's approval setting; use tools.allow / tools.deny to limit tools";
          warnings.push({ path: [serversKey, name, key], message, target: "key" });
        }
      }
    }
  }
  if (Array.isArray(data.inputs) && data.inputs.length > 0) {
    warnings.push({
      path: ["inputs"],
      message: `VS Code inputs are ignored; use \${VAR} or env`,
      target: "key",
    });
  }
  return warnings;
}

/** Validates and normalises config text; `file` names it in issues and anchors relative paths. */
export function parseConfigText(text: string, file: string, options: LoadConfigOptions): ConfigLoadResult {
  const source = resolve(file);
  const configDir = dirname(source);
  const fail = (findings: readonly Finding[], document?: SourceDocument): ConfigLoadResult => ({
    ok: false,
    issues: toIssues(findings, file, document),
  });
  const format = [".json", ".jsonc"].includes(extname(file).toLowerCase()) ? "json" : "yaml";
  // Nothing but whitespace or comments is almost always the wrong file.
  const empty = () => fail([{ path: [], message: "the file is empty; list servers under servers:" }]);
  // Editors on Windows may save a byte-order mark, which neither parser expects.
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") return empty();
  const parsed = parseText(body, format);
  if (!parsed.ok) return fail(parsed.findings);
  const { document } = parsed;
  const notes: Finding[] = [];
  let data = document.data;
  if (data === null || data === undefined) return empty();
  if (typeof data !== "object" || Array.isArray(data)) {
    const got = Array.isArray(data) ? "a list" : `a ${typeof data}`;
    return fail(
      [{ path: [], message: `expected a map with servers: at the top level, got ${got}` }],
      document,
    );
  }

  // Every client writes JSON; Corral's own YAML is never read this leniently.
  if (format === "json") data = readClientFileData(data as Record<string, unknown>, notes);

  const findings: Finding[] = [...parsed.findings];
  // The top-level envFile holds values for ${VAR} (as Docker Compose's .env does); the environment
  // wins over it. Its own path may use only the environment and ${CORRAL_CONFIG_DIR}.
  const own = { ...options.env, CORRAL_CONFIG_DIR: configDir };
  const rawEnvFile = (data as { envFile?: unknown }).envFile;
  let envFileText: string | undefined;
  let fileVars: Record<string, string> = {};
  if (typeof rawEnvFile === "string") {
    const { value, problems } = interpolateString(rawEnvFile, own);
    for (const message of problems) findings.push({ path: ENV_FILE_PATH, message });
    envFileText = value;
    if (problems.length === 0 && value !== "")
      fileVars = readEnvFileAt(value, file, configDir, ENV_FILE_PATH, findings) ?? {};
  }
  // The state dir is itself interpolated first, without ${CORRAL_STATE_DIR}, which it defines.
  const vars = { ...fileVars, ...own };
  const rawStateDir = (data as { gateway?: { stateDir?: unknown } }).gateway?.stateDir;
  let stateDirText: string | undefined;
  if (typeof rawStateDir === "string") {
    const { value, problems } = interpolateString(rawStateDir, vars);
    for (const message of problems) findings.push({ path: STATE_DIR_PATH, message });
    stateDirText = value;
  }
  const stateDir = resolveStateDir(configDir, stateDirText, options.overrides?.stateDir);
  const skip = (path: readonly PathSegment[]) =>
    isPath(path, ["inputs"]) || isPath(path, STATE_DIR_PATH) || isPath(path, ENV_FILE_PATH);
  const interpolated = interpolateData(
    data,
    { ...vars, CORRAL_STATE_DIR: stateDir },
    findings,
    skip,
  ) as Record<string, unknown>;
  if (stateDirText !== undefined) (interpolated.gateway as Record<string, unknown>).stateDir = stateDirText;
  if (envFileText !== undefined) interpolated.envFile = envFileText;

  const reader = createIssueReader();
  const checked = configFileSchema.safeParse(interpolated, { error: reader.errorMap });
  if (!checked.success) findings.push(...reader.toFindings(checked.error.issues));
  const envFiles = readEnvFiles(interpolated, file, configDir, findings);
  if (findings.length > 0 || !checked.success) return fail(findings, document);

  const serversKey = checked.data.mcpServers != null ? "mcpServers" : "servers";
  const secrets = recordSecrets((data as Record<string, unknown>)[serversKey], {
    ...vars,
    CORRAL_STATE_DIR: stateDir,
  });
  const normalised = normaliseConfig(checked.data, {
    source,
    configDir,
    stateDir,
    serverOrder: document.keysAt([serversKey]),
    overrides: options.overrides,
    readEnvFile: (server) => envFiles.get(server),
  });
  const config = { ...normalised, secrets };
  const warnings = toIssues([...parsed.warnings, ...notes, ...collectWarnings(interpolated)], file, document);
  return { ok: true, config, warnings };
}

/** Reads and validates a config file (YAML, or JSON when it ends in .json). */
export async function loadConfigFile(path: string, options: LoadConfigOptions): Promise<ConfigLoadResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT"
        ? `file not found: ${path}; create it or pass --config`
        : `cannot read ${path}: ${String(error)}`;
    return { ok: false, issues: [{ file: path, path: "", message }] };
  }
  return parseConfigText(text, path, options);
}
