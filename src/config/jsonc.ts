// Checks JSON the way MCP clients write it: VS Code's mcp.json allows comments and trailing commas,
// so this accepts both. It returns the text with comments blanked (offsets unchanged) for the YAML
// parser, which then gives every node a position; JSON is a subset of YAML 1.2 flow style.

export type JsonCheck =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly offset: number; readonly message: string };

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_$][\w$]*/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

export function checkJsonText(source: string): JsonCheck {
  // One array slot per UTF-16 unit, so blanking a comment keeps every later offset where it was.
  const chars = source.split("");
  let at = 0;
  const describe = (offset: number) => {
    if (offset >= source.length) return "end of file";
    WORD.lastIndex = offset;
    return JSON.stringify(WORD.exec(source)?.[0] ?? source[offset]);
  };
  function fail(message: string, offset = at): never {
    throw new JsonSyntaxError(offset, message);
  }
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (chars[i] !== "\n" && chars[i] !== "\r") chars[i] = " ";
  };

  function skipSpace(): void {
    while (at < source.length) {
      const char = source[at];
      if (char === " " || char === "\t" || char === "\n" || char === "\r") at++;
      else if (source.startsWith("//", at) || source.startsWith("/*", at)) {
        const line = source[at + 1] === "/";
        const end = line ? source.indexOf("\n", at) : source.indexOf("*/", at + 2);
        if (end === -1 && !line) fail("unterminated /* comment");
        const stop = end === -1 ? source.length : line ? end : end + 2;
        blank(at, stop);
        at = stop;
      } else return;
    }
  }

  function readString(): void {
    const start = at++;
    while (at < source.length && source[at] !== '"') {
      if (source[at] === "\\") {
        ESCAPE.lastIndex = at;
        const match = ESCAPE.exec(source);
        if (match === null) fail("invalid escape in a string");
        at += match[0].length;
      } else if (source.charCodeAt(at) < 0x20)
        fail("line break or control character inside a string; escape it");
      else at++;
    }
    if (at >= source.length) fail("unterminated string", start);
    at++;
  }

  function readValue(): void {
    skipSpace();
    const char = source[at];
    if (char === "{" || char === "[") {
      readCollection(char === "{" ? "}" : "]");
      return;
    }
    if (char === '"') {
      readString();
      return;
    }
    const word = ["true", "false", "null"].find((literal) => source.startsWith(literal, at));
    if (word !== undefined) {
      at += word.length;
      return;
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(source);
    if (number === null) {
      const quotes = /[A-Za-z_'$]/.test(char ?? "") ? " (text needs double quotes)" : "";
      fail(`unexpected ${describe(at)}; expected a value${quotes}`);
    }
    at += number[0].length;
  }

  function readCollection(close: "}" | "]"): void {
    at++;
    for (;;) {
      skipSpace();
      if (source[at] === close) break;
      if (close === "}") {
        if (source[at] !== '"') fail(`unexpected ${describe(at)}; expected a property name in double quotes`);
        readString();
        skipSpace();
        if (source[at] !== ":") fail(`unexpected ${describe(at)}; expected ":"`);
        at++;
      }
      readValue();
      skipSpace();
      if (source[at] === ",") at++;
      else if (source[at] !== close) fail(`unexpected ${describe(at)}; expected "," or "${close}"`);
    }
    at++;
  }

  try {
    readValue();
    skipSpace();
    if (at < source.length) fail(`unexpected ${describe(at)} after the end of the JSON value`);
    return { ok: true, text: chars.join("") };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return { ok: false, offset: error.offset, message: `JSON syntax error: ${error.message}` };
  }
}
