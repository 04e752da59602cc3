// The one redactor every output goes through (logs, reasons, REST, CLI, start-up lines): it replaces
// the secret values the gateway knows (registered from the config) wherever they occur, and the
// userinfo and query values of any URL in the text, whether or not the value is known. It fails
// closed: values are only ever added, and a URL it cannot take apart loses everything after its host.

export const REDACTED = "***";

/**
 * Values shorter than this are not searched for by value: replacing "1", "true" or "8080" everywhere
 * would garble output, and the places replaced would tell the value anyway. They are still redacted
 * where they stand (env and header values, URL userinfo and query, config fields from `${…}`).
 */
export const MIN_SECRET_LENGTH = 6;

export interface Redactor {
  /** Adds values to replace from now on; short ones (under MIN_SECRET_LENGTH) are ignored. */
  addSecrets(values: Iterable<string>): void;
  /** `text` with every known secret and every URL's userinfo and query values replaced by `***`. */
  redactText(text: string): string;
  /** A copy of a JSON-like value with every string in it redacted (keys too). */
  redactValue<T>(value: T): T;
}

// Where a URL ends in running text: whitespace, quotes, angle brackets, a backslash (JSON escapes).
const URL_END = /[\s"'`<>\\]/;
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;

/** One URL's userinfo and query values replaced; the scheme, host, path and fragment kept. */
export function redactUrl(url: string): string {
  const schemeEnd = url.indexOf("://");
  if (schemeEnd === -1) return url;
  const start = schemeEnd + 3;
  let authorityEnd = url.length;
  for (let at = start; at < url.length; at += 1) {
    const char = url[at];
    if (char === "/" || char === "?" || char === "#") {
      authorityEnd = at;
      break;
    }
  }
  const authority = url.slice(start, authorityEnd);
  const at = authority.lastIndexOf("@");
  let result = url.slice(0, start) + (at === -1 ? authority : `${REDACTED}${authority.slice(at)}`);
  const rest = url.slice(authorityEnd);
  const queryAt = rest.indexOf("?");
  if (queryAt === -1) return result + rest;
  const hashAt = rest.indexOf("#", queryAt);
  const query = rest.slice(queryAt + 1, hashAt === -1 ? rest.length : hashAt);
  const redactedQuery = query
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      if (equals === -1) return pair === "" ? pair : REDACTED;
      return equals === pair.length - 1 ? pair : `${pair.slice(0, equals + 1)}${REDACTED}`;
    })
    .join("&");
  result += `${rest.slice(0, queryAt + 1)}${redactedQuery}${hashAt === -1 ? "" : rest.slice(hashAt)}`;
  return result;
}

/** Every `scheme://…` in running text through redactUrl; one pass, linear in the text. */
export function redactUrlsInText(text: string): string {
  let out = "";
  let cursor = 0;
  let search = 0;
  while (true) {
    const marker = text.indexOf("://", search);
    if (marker === -1) break;
    let schemeStart = marker;
    while (schemeStart > cursor && SCHEME_CHAR.test(text[schemeStart - 1] as string)) schemeStart -= 1;
    let end = marker + 3;
    while (end < text.length && !URL_END.test(text[end] as string)) end += 1;
    if (schemeStart === marker) {
      search = marker + 3;
      continue;
    }
    out += text.slice(cursor, schemeStart) + redactUrl(text.slice(schemeStart, end));
    cursor = end;
    search = end;
  }
  return cursor === 0 ? text : out + text.slice(cursor);
}

/** The forms a value takes in output besides itself: escaped inside JSON, percent-encoded in a URL. */
function variantsOf(value: string): string[] {
  const variants = [value, JSON.stringify(value).slice(1, -1)];
  try {
    variants.push(encodeURIComponent(value), decodeURIComponent(value));
  } catch {
    // not valid percent-encoding: the value as it is
  }
  return variants;
}

export function createRedactor(secrets: Iterable<string> = []): Redactor {
  const known = new Set<string>();
  // Longest first, so a secret that contains another is replaced whole.
  let ordered: string[] = [];
  const redactText = (text: string): string => {
    let result = redactUrlsInText(text);
    for (const secret of ordered) {
      if (result.includes(secret)) result = result.replaceAll(secret, REDACTED);
    }
    return result;
  };
  const redactValue = (value: unknown): unknown => {
    if (typeof value === "string") return redactText(value);
    if (Array.isArray(value)) return value.map(redactValue);
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [redactText(key), redactValue(item)]),
      );
    }
    return value;
  };
  const redactor: Redactor = {
    addSecrets(values) {
      let added = false;
      for (const value of values) {
        for (const variant of variantsOf(value)) {
          if (variant.length < MIN_SECRET_LENGTH || known.has(variant)) continue;
          known.add(variant);
          added = true;
        }
      }
      if (added) ordered = [...known].sort((a, b) => b.length - a.length);
    },
    redactText,
    redactValue: <T>(value: T) => redactValue(value) as T,
  };
  redactor.addSecrets(secrets);
  return redactor;
}
