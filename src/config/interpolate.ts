// `${VAR}` and `${VAR:-default}` in string values (never in keys); `$${` is a literal `${`. Every
// unresolvable reference becomes a finding at the string that holds it, so all of them are reported
// at once. VS Code's `${env:VAR}` is read as `${VAR}`; its `${input:…}` prompts have no equivalent.
import type { Finding, PathSegment } from "./document.js";

export type Variables = Readonly<Record<string, string | undefined>>;

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(:-([\s\S]*))?$/;
const VSCODE_VARIABLES = new Set(["workspaceFolder", "workspaceFolderBasename", "userHome", "cwd"]);

function resolveReference(
  expression: string,
  vars: Variables,
): { name?: string; value?: string; problem?: string } {
  if (expression.startsWith("input:")) {
    return {
      problem: `\${${expression}}: VS Code input variables are not supported; put the value in env or use \${VAR}`,
    };
  }
  const match = REFERENCE.exec(expression.startsWith("env:") ? expression.slice(4) : expression);
  if (match === null) {
    return { problem: `"\${${expression}}" is not a variable reference; use \${NAME} or \${NAME:-default}` };
  }
  const [, name = "", hasDefault, fallback = ""] = match;
  const value = vars[name];
  // As in the shell, `:-` also replaces a variable that is set but empty.
  if (hasDefault !== undefined)
    return { name, value: value === undefined || value === "" ? fallback : value };
  if (value !== undefined) return { name, value };
  if (VSCODE_VARIABLES.has(name)) {
    return { problem: `\${${name}} is a VS Code variable; use \${CORRAL_CONFIG_DIR} or an absolute path` };
  }
  return { problem: `\${${name}} is not set; export it or write \${${name}:-default}` };
}

/** Variables Corral defines itself: paths, never secrets, so their values are not redacted. */
const BUILTIN_VARIABLES = new Set(["CORRAL_CONFIG_DIR", "CORRAL_STATE_DIR"]);

/**
 * The string with every reference replaced, a message for each one that could not be, and the
 * values references expanded to (Corral's own path variables aside): the redactor's by-value list.
 */
export function interpolateString(
  text: string,
  vars: Variables,
): { value: string; problems: string[]; expansions: string[] } {
  const problems: string[] = [];
  const expansions: string[] = [];
  let value = "";
  let at = 0;
  while (at < text.length) {
    const dollar = text.indexOf("$", at);
    if (dollar === -1) break;
    value += text.slice(at, dollar);
    if (text.startsWith("$${", dollar)) {
      value += "${";
      at = dollar + 3;
    } else if (text.startsWith("${", dollar)) {
      const close = text.indexOf("}", dollar + 2);
      if (close === -1) {
        problems.push('"${" is never closed; write $${ for a literal ${');
        value += text.slice(dollar);
        at = text.length;
        break;
      }
      const resolved = resolveReference(text.slice(dollar + 2, close), vars);
      if (resolved.problem !== undefined) problems.push(resolved.problem);
      if (resolved.value !== undefined && !BUILTIN_VARIABLES.has(resolved.name ?? ""))
        expansions.push(resolved.value);
      value += resolved.value ?? "";
      at = close + 1;
    } else {
      value += "$";
      at = dollar + 1;
    }
  }
  return { value: value + text.slice(at), problems, expansions };
}

/**
 * A copy of `data` with every string value interpolated; problems are appended to `findings`.
 * Paths for which `skip` returns true are copied untouched.
 */
export function interpolateData(
  data: unknown,
  vars: Variables,
  findings: Finding[],
  skip: (path: readonly PathSegment[]) => boolean = () => false,
  path: readonly PathSegment[] = [],
): unknown {
  if (skip(path)) return data;
  if (typeof data === "string") {
    const { value, problems } = interpolateString(data, vars);
    for (const message of problems) findings.push({ path, message });
    return value;
  }
  if (Array.isArray(data))
    return data.map((item, index) => interpolateData(item, vars, findings, skip, [...path, index]));
  if (typeof data === "object" && data !== null) {
    return Object.fromEntries(
      Object.entries(data).map(([key, item]) => [
        key,
        interpolateData(item, vars, findings, skip, [...path, key]),
      ]),
    );
  }
  return data;
}
