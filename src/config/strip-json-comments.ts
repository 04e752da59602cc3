// JSONC (VS Code's mcp.json, Cursor's settings) to JSON: comments outside strings removed.

/** Drops `//` and block comments outside strings (VS Code's mcp.json is JSONC). */
export function stripJsonComments(text: string): string {
  let out = "";
  let inString = false;
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at];
    if (inString) {
      out += char;
      if (char === "\\") {
        out += text[at + 1] ?? "";
        at += 1;
      } else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (char === "/" && text[at + 1] === "/") {
      while (at < text.length && text[at] !== "\n") at += 1;
      out += "\n";
    } else if (char === "/" && text[at + 1] === "*") {
      const end = text.indexOf("*/", at + 2);
      at = end === -1 ? text.length : end + 1;
    } else out += char;
  }
  return out;
}
