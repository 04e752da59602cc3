// Turns config text into plain data plus a map back to the source: every dotted path can be located
// at a line and column. YAML and JSON go through the same `yaml` parser (JSON after checkJsonText);
// syntax errors and duplicate keys are found here, before the schema sees anything.
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { checkJsonText } from "./jsonc.js";

export type PathSegment = string | number;
export interface Position {
  readonly line: number;
  readonly column: number;
}
/** A problem before it is tied to a file. */
export interface Finding {
  readonly path: readonly PathSegment[];
  readonly message: string;
  readonly position?: Position | undefined;
  /** What to point at when locating `path`; see SourceDocument.locate. */
  readonly target?: "key" | "value";
  /** Set when the problem is in another file (an envFile). */
  readonly file?: string;
}

export interface SourceDocument {
  readonly data: unknown;
  /** Keys of the map at `path`, in file order. */
  keysAt(path: readonly PathSegment[]): string[];
  /** Where `path` is written: its key for collections and missing values, else its value. */
  locate(path: readonly PathSegment[], target?: "key" | "value"): Position | undefined;
}

export type ParseTextResult =
  | {
      readonly ok: true;
      readonly document: SourceDocument;
      /** Duplicate keys. */
      readonly findings: readonly Finding[];
      /** The parser's warnings, such as an unknown tag. */
      readonly warnings: readonly Finding[];
    }
  | { readonly ok: false; readonly findings: readonly Finding[] };

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

export function parseText(text: string, format: "yaml" | "json"): ParseTextResult {
  const lines = new LineCounter();
  const at = (offset: number): Position => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  let source = text;
  if (format === "json") {
    const check = checkJsonText(text);
    if (!check.ok) {
      const before = text.slice(0, check.offset).split("\n");
      const position = { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
      return { ok: false, findings: [{ path: [], message: check.message, position }] };
    }
    source = check.text;
  }
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const [error] = doc.errors;
  if (error !== undefined) {
    // Only the first: after a syntax error the parser's later complaints are mostly echoes of it.
    const position = at(error.pos[0]);
    const line = source.split("\n")[position.line - 1] ?? "";
    const hint = /[[{].*\$\{/.test(line) ? ` (inside [ ] or { }, put values that use \${...} in quotes)` : "";
    const message = `${format === "json" ? "JSON" : "YAML"} syntax error: ${error.message}${hint}`;
    return { ok: false, findings: [{ path: [], message, position }] };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    return { ok: false, findings: [{ path: [], message: `cannot read the document: ${String(error)}` }] };
  }
  const nodeAt = (node: unknown) => {
    const range = (node as { range?: [number, number, number] | null } | null)?.range;
    return range ? at(range[0]) : undefined;
  };
  const deref = (node: unknown) => (isAlias(node) ? node.resolve(doc as Document) : node);

  function walk(path: readonly PathSegment[]): {
    key?: unknown;
    node: unknown;
    found: boolean;
    best: unknown;
  } {
    let node: unknown = doc.contents;
    let key: unknown;
    let best: unknown = node;
    for (const segment of path) {
      node = deref(node);
      if (isMap(node)) {
        const pair = node.items.findLast((item) => keyText(item.key) === String(segment));
        if (pair === undefined) return { node, found: false, best };
        key = pair.key;
        node = pair.value;
        best = key;
      } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
        key = undefined;
        node = node.items[segment];
        best = node;
      } else return { node, found: false, best };
    }
    return { key, node: deref(node), found: true, best };
  }

  const document: SourceDocument = {
    data,
    keysAt(path) {
      const { node, found } = walk(path);
      return found && isMap(node) ? node.items.map((item) => keyText(item.key)) : [];
    },
    locate(path, target = "value") {
      const { key, node, found, best } = walk(path);
      if (!found) return nodeAt(best);
      const empty = isScalar(node) && node.range != null && node.range[0] === node.range[1];
      if (key !== undefined && (target === "key" || !isScalar(node) || empty)) return nodeAt(key);
      return nodeAt(node) ?? nodeAt(key);
    },
  };
  const warnings = doc.warnings.map((warning) => ({
    path: [],
    message: warning.message,
    position: at(warning.pos[0]),
  }));
  return { ok: true, document, findings: findDuplicateKeys(doc, at), warnings };
}

/** Duplicate keys, reported at the second one and naming the line of the first. */
function findDuplicateKeys(doc: Document, at: (offset: number) => Position): Finding[] {
  const findings: Finding[] = [];
  const visit = (node: unknown, path: PathSegment[]) => {
    if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) visit(item, [...path, index]);
    }
    if (!isMap(node)) return;
    const seen = new Map<string, Position | undefined>();
    for (const pair of node.items) {
      const name = keyText(pair.key);
      const range = (pair.key as { range?: [number, number, number] | null }).range;
      const position = range ? at(range[0]) : undefined;
      const first = seen.get(name);
      if (seen.has(name)) {
        const what = path.length === 1 && /^(mcpS|s)ervers$/.test(String(path[0])) ? "server name" : "key";
        const where = first === undefined ? "" : ` (first defined on line ${first.line})`;
        findings.push({ path: [...path, name], message: `duplicate ${what} "${name}"${where}`, position });
      } else seen.set(name, position);
      visit(pair.value, [...path, name]);
    }
  };
  visit(doc.contents, []);
  return findings;
}
