// How names appear in the aggregated catalog: `<prefix><separator><name>`, at most 64 characters
// (longer ones are cut and end in a short stable hash of the full name).

import { createHash } from "node:crypto";

export const MAX_NAME_LENGTH = 64;
const HASH_LENGTH = 8;

export function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, HASH_LENGTH);
}

/** Cuts a name to the limit deterministically: the same input always gives the same output. */
export function fitName(name: string): string {
  if (name.length <= MAX_NAME_LENGTH) return name;
  return `${name.slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1)}-${shortHash(name)}`;
}

export function qualifyName(prefix: string | false, separator: string, name: string): string {
  return fitName(prefix === false ? name : `${prefix}${separator}${name}`);
}
