// The scalar building blocks of the config schema. Each accepts YAML's native type and also the string
// that `${VAR}` interpolation leaves behind (so `port: ${PORT:-11000}` works), and each says in plain
// words what is wrong with a bad value. The `meta` calls only shape the generated JSON Schema.
import { z } from "zod";
import { DURATION_PATTERN, parseDuration } from "./duration.js";
import { parseSize, SIZE_PATTERN } from "./size.js";

/** "a string", "a list", "a map"…: how a value's type reads in a message. */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a map" : `a ${typeof value}`;
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as it appears in a message: strings quoted, everything else by its type. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return describeType(value);
}

interface Docs {
  readonly description: string;
  readonly default?: unknown;
}

function annotate({ description, default: fallback }: Docs): Record<string, unknown> {
  return fallback === undefined ? { description } : { description, default: fallback };
}

function fail(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}

const INTEGER_TEXT = /^\s*-?\d+\s*$/;
const NUMBER_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

export function integer(docs: Docs & { readonly min: number; readonly max?: number }) {
  const bounds = docs.max === undefined ? { minimum: docs.min } : { minimum: docs.min, maximum: docs.max };
  return z
    .union(
      [z.number().meta({ type: "integer", ...bounds }), z.string().meta({ pattern: INTEGER_TEXT.source })],
      {
        error: (issue) => `expected an integer, got ${describeType(issue.input)}`,
      },
    )
    .meta(annotate(docs))
    .transform((value, ctx) => {
      const number = typeof value === "number" || INTEGER_TEXT.test(value) ? Number(value) : Number.NaN;
      if (!Number.isInteger(number)) return fail(ctx, `expected an integer, got ${describeValue(value)}`);
      if (number < docs.min) return fail(ctx, `must be at least ${docs.min}, got ${number}`);
      if (docs.max !== undefined && number > docs.max) {
        return fail(ctx, `must be at most ${docs.max}, got ${number}`);
      }
      return number;
    });
}

/** A number strictly greater than zero, such as a CPU share. */
export function positiveNumber(docs: Docs) {
  return z
    .union([z.number().meta({ exclusiveMinimum: 0 }), z.string().meta({ pattern: NUMBER_TEXT.source })], {
      error: (issue) => `expected a number, got ${describeType(issue.input)}`,
    })
    .meta(annotate(docs))
    .transform((value, ctx) => {
      const number = typeof value === "number" || NUMBER_TEXT.test(value) ? Number(value) : Number.NaN;
      if (Number.isNaN(number)) return fail(ctx, `expected a number, got ${describeValue(value)}`);
      if (number <= 0) return fail(ctx, `must be more than 0, got ${number}`);
      return number;
    });
}

export function flag(docs: Docs) {
  return z
    .union([z.boolean(), z.string().meta({ enum: ["true", "false"] })], {
      error: (issue) => `expected true or false, got ${describeType(issue.input)}`,
    })
    .meta(annotate(docs))
    .transform((value, ctx) => {
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      return fail(ctx, `expected true or false, got ${describeValue(value)}`);
    });
}

const DURATION_HINT = "use 500ms, 2s or 10m";

/** Milliseconds; `never` (where allowed) becomes null. */
export function duration(docs: Docs & { readonly positive?: boolean; readonly never?: boolean }) {
  const pattern = docs.never ? `^never$|${DURATION_PATTERN}` : DURATION_PATTERN;
  return z
    .union([z.number().meta({ const: 0 }), z.string().meta({ pattern })], {
      error: (issue) => `expected a duration (${DURATION_HINT}), got ${describeType(issue.input)}`,
    })
    .meta(annotate(docs))
    .transform((value, ctx): number | null => {
      const text = String(value).trim();
      if (docs.never && text === "never") return null;
      if (NUMBER_TEXT.test(text) && Number(text) !== 0) {
        return fail(ctx, `${describeValue(value)} has no unit; write ${text}s or ${text}ms`);
      }
      const ms = parseDuration(text);
      const hint = docs.never ? `${DURATION_HINT}, or never` : DURATION_HINT;
      if (ms === undefined) return fail(ctx, `${describeValue(value)} is not a duration; ${hint}`);
      if (docs.positive && ms === 0) return fail(ctx, "must be more than 0");
      return ms;
    });
}

/** A duration that is always a number of ms (no `never`). */
export function finiteDuration(docs: Docs & { readonly positive?: boolean }) {
  return duration(docs).transform((ms) => ms ?? 0);
}

export function size(docs: Docs) {
  return z
    .union(
      [z.number().meta({ type: "integer", exclusiveMinimum: 0 }), z.string().meta({ pattern: SIZE_PATTERN })],
      {
        error: (issue) => `expected a size such as 256Mi or 1Gi, got ${describeType(issue.input)}`,
      },
    )
    .meta(annotate(docs))
    .transform((value, ctx) => {
      const bytes = typeof value === "number" ? value : parseSize(value);
      if (bytes === undefined || !Number.isInteger(bytes)) {
        return fail(ctx, `${describeValue(value)} is not a size; use 256Mi or 1Gi`);
      }
      if (bytes <= 0) return fail(ctx, `must be more than 0, got ${describeValue(value)}`);
      return bytes;
    });
}

/** A string that may not be empty. */
export function text(docs: Docs) {
  return z.string().min(1, { error: "must not be empty" }).meta(annotate(docs));
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, docs: Docs) {
  return z.enum(values).meta(annotate(docs));
}

/** A list of strings; with `scalars`, numbers and booleans are taken as their text (`args: [-p, 8080]`). */
export function stringList(docs: Docs & { readonly scalars?: boolean }) {
  const item = docs.scalars
    ? z
        .union([z.string(), z.number(), z.boolean()], {
          error: (issue) => `expected a string, got ${describeType(issue.input)}`,
        })
        .transform(String)
    : z.string();
  return z
    .array(item, { error: (issue) => `expected a list of strings, got ${describeType(issue.input)}` })
    .meta(annotate(docs));
}

/** A map of names to strings; numbers and booleans are taken as their text (`DEBUG: true`). */
export function stringMap(docs: Docs) {
  const value = z
    .union([z.string(), z.number(), z.boolean()], {
      error: (issue) => `expected a string, got ${describeType(issue.input)}`,
    })
    .transform(String);
  return z
    .record(z.string(), value, {
      error: (issue) => `expected a map of names to strings, got ${describeType(issue.input)}`,
    })
    .meta(annotate(docs));
}
