// Turns zod's issues into findings a person can act on: plain-word messages, one finding per unknown
// key (pointing at that key, with a "did you mean"), and enum errors that list the allowed values.
import type { z } from "zod";
import type { Finding, PathSegment } from "./document.js";
import { describeType, describeValue } from "./schema-values.js";
import { suggestWord } from "./suggest.js";

const EXPECTED: Readonly<Record<string, string>> = {
  array: "a list",
  object: "a map",
  record: "a map",
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
};

/** "a, b or c" */
export function listWords(words: readonly unknown[]): string {
  const shown = words.map(String);
  return shown.length <= 1 ? (shown[0] ?? "") : `${shown.slice(0, -1).join(", ")} or ${shown.at(-1)}`;
}

export interface IssueReader {
  /** Pass as `{ error }` to safeParse; it also remembers the allowed keys of each strict object. */
  readonly errorMap: z.core.$ZodErrorMap;
  toFindings(issues: readonly z.core.$ZodIssue[]): Finding[];
}

export function createIssueReader(): IssueReader {
  const allowedKeys = new Map<string, string[]>();
  const errorMap: z.core.$ZodErrorMap = (issue) => {
    switch (issue.code) {
      case "invalid_type":
        return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeType(issue.input)}`;
      case "invalid_value": {
        const hint =
          typeof issue.input === "string" ? suggestWord(issue.input, issue.values.map(String)) : undefined;
        const suggestion = hint === undefined ? "" : `; did you mean "${hint}"?`;
        return `expected ${listWords(issue.values)}, got ${describeValue(issue.input)}${suggestion}`;
      }
      case "unrecognized_keys": {
        const def = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def;
        if (def?.shape !== undefined)
          allowedKeys.set(JSON.stringify(issue.path ?? []), Object.keys(def.shape));
        return "unknown key";
      }
      default:
        return undefined;
    }
  };

  function describeUnknownKey(path: readonly PathSegment[], key: string): string {
    const allowed = allowedKeys.get(JSON.stringify(path)) ?? [];
    const suggestion = suggestWord(key, allowed);
    if (suggestion !== undefined) return `unknown key; did you mean "${suggestion}"?`;
    return allowed.length <= 8 ? `unknown key; allowed here: ${allowed.join(", ")}` : "unknown key";
  }

  function toFindings(issues: readonly z.core.$ZodIssue[]): Finding[] {
    return issues.flatMap((issue): Finding[] => {
      const path = issue.path.map((segment) => (typeof segment === "symbol" ? String(segment) : segment));
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => ({
          path: [...path, key],
          message: describeUnknownKey(path, key),
          target: "key",
        }));
      }
      if (issue.code === "invalid_key") {
        return [{ path, message: issue.issues[0]?.message ?? issue.message, target: "key" }];
      }
      return [{ path, message: issue.message }];
    });
  }

  return { errorMap, toFindings };
}
