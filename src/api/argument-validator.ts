// Checks a tool call's arguments against the tool's inputSchema before anything is sent upstream.
// The dialect follows the schema's `$schema`: 2020-12 and 2019-09 get their own Ajv, anything else
// (draft-07 or none) the draft-07 one. Compiled validators are cached per schema object; the catalog
// replaces the objects when a server's list changes, so stale ones are dropped with it.
// Servers write the schemas, so their `pattern`s (and `patternProperties`) run on RE2 (re2js: linear
// time, pure JavaScript): with the backtracking engine `^(a+)+$` took 4.7 s at 30 characters.

import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { RE2JS } from "re2js";

/** Longer `pattern`s make their schema uncompilable: the call goes through and the server judges. */
export const MAX_SCHEMA_PATTERN_LENGTH = 1024;

export interface ArgumentProblem {
  /** JSON Pointer into the arguments; "" is the arguments object itself. */
  readonly path: string;
  readonly message: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export type ArgumentCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly problems: readonly ArgumentProblem[] }
  /** The schema itself cannot be compiled: the call goes through and the server judges. */
  | { readonly ok: true; readonly schemaError: string };

type Validator = ValidateFunction | { readonly schemaError: string };

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module.
const addFormats = (formats as unknown as { default: (ajv: Ajv) => Ajv }).default;

function describe(error: ErrorObject): ArgumentProblem {
  let message = error.message ?? error.keyword;
  if (error.keyword === "additionalProperties") {
    message = `${message}: ${String((error.params as { additionalProperty?: unknown }).additionalProperty)}`;
  }
  return { path: error.instancePath, message, keyword: error.keyword, params: error.params };
}

interface LinearRegExp {
  (pattern: string, flags: string): { test(text: string): boolean };
  code: string;
}

/**
 * Ajv's `code.regExp` engine: RE2 matches in time linear in the text. Patterns RE2 cannot run
 * (lookaround, backreferences) or over the length limit throw, which Ajv reports as a schema error.
 */
const linearRegExp: LinearRegExp = Object.assign(
  (pattern: string) => {
    if (pattern.length > MAX_SCHEMA_PATTERN_LENGTH) {
      throw new Error(
        `a pattern of ${pattern.length} characters is over the ${MAX_SCHEMA_PATTERN_LENGTH}-character limit`,
      );
    }
    const compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
    // Ajv keys its cache of compiled patterns by toString().
    return { test: (text: string) => compiled.test(text), toString: () => `/${pattern}/` };
  },
  { code: "re2js" },
);

export function createArgumentValidator(): (schema: unknown, args: unknown) => ArgumentCheck {
  const options = {
    strict: false,
    allErrors: true,
    validateSchema: false,
    code: { regExp: linearRegExp },
  } as const;
  const draft07 = new Ajv(options);
  const draft2019 = new Ajv2019(options);
  const draft2020 = new Ajv2020(options);
  for (const ajv of [draft07, draft2019, draft2020]) addFormats(ajv as Ajv);
  const cache = new WeakMap<object, Validator>();

  const compile = (schema: object): Validator => {
    const dialect = (schema as { $schema?: unknown }).$schema;
    const id = typeof dialect === "string" ? dialect : "";
    try {
      if (id.includes("2020-12")) return draft2020.compile(schema);
      if (id.includes("2019-09")) return draft2019.compile(schema);
      // Draft-04/06 meta-schemas are not loaded; their keywords are close enough to draft-07's.
      const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
      return draft07.compile(id.includes("draft-07") ? schema : rest);
    } catch (error) {
      return { schemaError: error instanceof Error ? error.message : String(error) };
    }
  };

  return (schema, args) => {
    if (typeof schema !== "object" || schema === null) return { ok: true };
    let validator = cache.get(schema);
    if (validator === undefined) {
      validator = compile(schema);
      cache.set(schema, validator);
    }
    if ("schemaError" in validator) return { ok: true, schemaError: validator.schemaError };
    if (validator(args)) return { ok: true };
    return { ok: false, problems: (validator.errors ?? []).map(describe) };
  };
}
