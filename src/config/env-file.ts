// Reads dotenv files (`envFile:`): KEY=VALUE lines, `#` comments, optional `export `, values in single
// quotes (literal) or double quotes (\n, \t, \" and \\ escapes). Values are not interpolated: the file
// holds secrets as they are, and `$` in a password must stay a `$`.

export interface EnvFileProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

const ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

function readQuoted(rest: string): { value: string; after: string } | undefined {
  const quote = rest[0];
  let value = "";
  for (let at = 1; at < rest.length; at++) {
    const char = rest[at]!;
    if (char === quote) return { value, after: rest.slice(at + 1) };
    if (quote === '"' && char === "\\" && at + 1 < rest.length) {
      const next = rest[++at]!;
      value += ESCAPES[next] ?? `\\${next}`;
    } else value += char;
  }
  return undefined;
}

export function parseEnvFile(text: string): { values: Record<string, string>; problems: EnvFileProblem[] } {
  const values: Record<string, string> = {};
  const problems: EnvFileProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const match = ASSIGNMENT.exec(raw);
    if (match === null) {
      problems.push({ line, column: raw.length - raw.trimStart().length + 1, message: "expected KEY=VALUE" });
      return;
    }
    const [prefix, , name = ""] = match;
    const rest = raw.slice(prefix.length);
    const column = prefix.length + 1;
    if (rest.startsWith('"') || rest.startsWith("'")) {
      const quoted = readQuoted(rest);
      if (quoted === undefined) {
        problems.push({ line, column, message: `the value of ${name} has no closing ${rest[0]}` });
      } else if (quoted.after.trim() !== "" && !quoted.after.trim().startsWith("#")) {
        problems.push({ line, column, message: `unexpected text after the quoted value of ${name}` });
      } else values[name] = quoted.value;
      return;
    }
    // An unquoted value ends at a ` #` comment, as in the shell.
    values[name] = rest.replace(/\s+#.*$/, "").trim();
  });
  return { values, problems };
}

/** One `NAME="value"` line that parseEnvFile reads back as exactly `value`. */
export function formatEnvLine(name: string, value: string): string {
  const escaped = value
    .replaceAll("\\", "\\\\")
    .replaceAll('"', '\\"')
    .replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r")
    .replaceAll("\t", "\\t");
  return `${name}="${escaped}"`;
}
