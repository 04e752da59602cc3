// Edits one server entry of a client's JSON(C) file in place: only the keys that say how to launch or
// reach the server change; comments, formatting, key order and the client's own keys (alwaysAllow,
// disabled, …) stay as they were, byte for byte outside the edited values.
import { applyEdits, type FormattingOptions, findNodeAtLocation, modify, parseTree } from "jsonc-parser";

/** Keys that say how a client starts or reaches a server; the rewrite owns them. */
const LAUNCH_KEYS = new Set([
  "command",
  "args",
  "env",
  "envFile",
  "cwd",
  "url",
  "serverUrl",
  "headers",
  "type",
  "transport",
  "transportType",
]);

interface Style {
  readonly unit: string;
  readonly eol: string;
}

/** The file's own indentation and line ends, so inserted text looks like the rest. */
function detectStyle(text: string): Style {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const unit = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  return { unit: unit.startsWith("\t") ? "\t" : unit, eol };
}

/** The whitespace before `offset` on its line, or undefined when something else precedes it there. */
function indentBefore(text: string, offset: number): string | undefined {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(before) ? before : undefined;
}

/** JSON for `value` at `indent`; a short list of plain values stays on one line, as people write args. */
function render(value: unknown, style: Style, indent: string): string {
  const plain = Array.isArray(value) && value.every((item) => typeof item !== "object" || item === null);
  const inline = plain ? `[${value.map((item) => JSON.stringify(item)).join(", ")}]` : undefined;
  if (inline !== undefined && inline.length <= 80) return inline;
  return JSON.stringify(value, null, style.unit).split("\n").join(`${style.eol}${indent}`);
}

const splice = (text: string, from: number, to: number, insert: string) =>
  text.slice(0, from) + insert + text.slice(to);

/** Sets `key` of the object at `path`, touching nothing but the value written (and one comma). */
function setKey(text: string, path: readonly string[], key: string, value: unknown, style: Style): string {
  const object = findNodeAtLocation(parseTree(text, [], { allowTrailingComma: true })!, [...path]);
  const properties = object?.children ?? [];
  const existing = properties.find((property) => property.children?.[0]?.value === key);
  const last = properties.at(-1);
  if (existing?.children?.[1] !== undefined) {
    const node = existing.children[1];
    const indent = indentBefore(text, existing.offset) ?? "";
    return splice(text, node.offset, node.offset + node.length, render(value, style, indent));
  }
  if (last === undefined) {
    return applyEdits(text, modify(text, [...path, key], value, { formattingOptions: toOptions(style) }));
  }
  const end = last.offset + last.length;
  const indent = indentBefore(text, last.offset);
  const insert =
    indent === undefined
      ? `, ${JSON.stringify(key)}: ${JSON.stringify(value)}`
      : `,${style.eol}${indent}${JSON.stringify(key)}: ${render(value, style, indent)}`;
  return splice(text, end, end, insert);
}

/**
 * `text` without `key` of the object at `path`: from the key up to the next one (the whitespace before
 * it stays for the next key), or for the last key from the end of the one before it.
 */
function removeKey(text: string, path: readonly string[], key: string): string {
  const object = findNodeAtLocation(parseTree(text, [], { allowTrailingComma: true })!, [...path]);
  const properties = object?.children ?? [];
  const index = properties.findIndex((property) => property.children?.[0]?.value === key);
  const property = properties[index];
  if (property === undefined) return text;
  const next = properties[index + 1];
  const previous = properties[index - 1];
  if (next !== undefined) return splice(text, property.offset, next.offset, "");
  if (previous !== undefined)
    return splice(text, previous.offset + previous.length, property.offset + property.length, "");
  const end = property.offset + property.length;
  const comma = /^\s*,/.exec(text.slice(end))?.[0].length ?? 0;
  return splice(text, property.offset, end + comma, "");
}

function toOptions(style: Style): FormattingOptions {
  return style.unit === "\t"
    ? { insertSpaces: false, tabSize: 1, eol: style.eol }
    : { insertSpaces: true, tabSize: style.unit.length, eol: style.eol };
}

/** `text` with the entry at `path` launching or reaching the server as `entry` says. */
export function replaceServerEntry(
  text: string,
  path: readonly [string, string],
  entry: Readonly<Record<string, unknown>>,
): string {
  const style = detectStyle(text);
  const tree = parseTree(text, [], { allowTrailingComma: true });
  const node = tree === undefined ? undefined : findNodeAtLocation(tree, [...path]);
  if (node?.type !== "object") {
    return applyEdits(text, modify(text, [...path], entry, { formattingOptions: toOptions(style) }));
  }
  const present = (node.children ?? []).map((property) => String(property.children?.[0]?.value));
  let out = text;
  for (const key of present) {
    if (LAUNCH_KEYS.has(key) && !(key in entry)) out = removeKey(out, path, key);
  }
  for (const [key, value] of Object.entries(entry)) out = setKey(out, path, key, value, style);
  return out;
}
