// Matches resource URIs against servers' RFC 6570 URI templates (levels 1–3; level-4 modifiers are
// read as level 3) without regular expressions: a template becomes a small automaton that is run over
// the URI with a set of live states, so a match costs at most URI length × template length steps,
// whatever either holds. Servers write the templates; a backtracking regex built from one let a single
// 300-character URI hold the event loop for 94 s.

/** Longer templates are not matched at all (the server's exact resource URIs still route). */
export const MAX_URI_TEMPLATE_LENGTH = 512;
/** Longer URIs are matched against exact resource URIs only, never against templates. */
export const MAX_TEMPLATE_MATCHED_URI_LENGTH = 8 * 1024;

/** Which characters one step may take; `code` is one exact UTF-16 code unit. */
const ANY = -1;
const NOT_SLASH = -2;
const NOT_QUERY_OR_FRAGMENT = -3;
const NOT_SLASH_QUERY_OR_FRAGMENT = -4;
const NOT_FRAGMENT = -5;
/** A state that takes no character: it only leads on to `next` and `alt`. */
const SPLIT = -6;
const ACCEPT = -7;

const SLASH = 0x2f;
const QUESTION = 0x3f;
const HASH = 0x23;

/**
 * The compiled template: state `i` takes a character allowed by `take[i]` and moves to `next[i]`, or
 * (SPLIT) moves on at once to both `next[i]` and `alt[i]`. State 0 is the start.
 */
interface Automaton {
  readonly take: Int32Array;
  readonly next: Int32Array;
  readonly alt: Int32Array;
}

function allows(take: number, code: number): boolean {
  if (take >= 0) return take === code;
  switch (take) {
    case ANY:
      return true;
    case NOT_SLASH:
      return code !== SLASH;
    case NOT_QUERY_OR_FRAGMENT:
      return code !== QUESTION && code !== HASH;
    case NOT_SLASH_QUERY_OR_FRAGMENT:
      return code !== SLASH && code !== QUESTION && code !== HASH;
    case NOT_FRAGMENT:
      return code !== HASH;
    default:
      return false;
  }
}

/**
 * What one expression may expand to, by its operator, read generously (routing only needs to know
 * whose URI it is, not the values): `{x}` one or more characters but no `/` (as before); `{+x}` one
 * or more of anything; the others an optional part that starts with their operator character.
 */
const EXPANSIONS: Readonly<Record<string, { readonly lead?: number; readonly rest: number }>> = {
  "": { rest: NOT_SLASH },
  "+": { rest: ANY },
  "#": { lead: HASH, rest: ANY },
  ".": { lead: 0x2e, rest: NOT_SLASH },
  "/": { lead: SLASH, rest: NOT_QUERY_OR_FRAGMENT },
  ";": { lead: 0x3b, rest: NOT_SLASH_QUERY_OR_FRAGMENT },
  "?": { lead: QUESTION, rest: NOT_FRAGMENT },
  "&": { lead: 0x26, rest: NOT_FRAGMENT },
};

function compileTemplate(template: string): Automaton {
  const take: number[] = [];
  const next: number[] = [];
  const alt: number[] = [];
  const add = (allowed: number, to: number, other = -1) => {
    take.push(allowed);
    next.push(to);
    alt.push(other);
  };
  const literal = (text: string) => {
    for (let k = 0; k < text.length; k += 1) add(text.charCodeAt(k), take.length + 1);
  };
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf("{", at);
    const close = open === -1 ? -1 : template.indexOf("}", open + 1);
    // An unclosed or empty brace is literal text, as it was when templates became regexes.
    if (open === -1 || close === -1) {
      literal(template.slice(at));
      break;
    }
    literal(template.slice(at, open));
    if (close === open + 1) {
      literal("{}");
      at = close + 1;
      continue;
    }
    const expansion = EXPANSIONS[template[open + 1] ?? ""] ?? EXPANSIONS[""];
    const s = take.length;
    if (expansion?.lead === undefined) {
      // One or more: take one, then either loop back or go on.
      add(expansion?.rest ?? NOT_SLASH, s + 1);
      add(SPLIT, s, s + 2);
    } else {
      // Nothing at all, or the lead character followed by any number of the rest.
      add(SPLIT, s + 1, s + 4);
      add(expansion.lead, s + 2);
      add(SPLIT, s + 3, s + 4);
      add(expansion.rest, s + 2);
    }
    at = close + 1;
  }
  add(ACCEPT, -1);
  return { take: Int32Array.from(take), next: Int32Array.from(next), alt: Int32Array.from(alt) };
}

/** Runs the automaton over `uri`, keeping each state at most once per character (no backtracking). */
function runAutomaton({ take, next, alt }: Automaton, uri: string): boolean {
  const size = take.length;
  let live = new Int32Array(size);
  let following = new Int32Array(size);
  let liveCount = 0;
  let followingCount = 0;
  // seen[state] === stamp: already added for the current position.
  const seen = new Uint32Array(size);
  // Each state is pushed at most once per edge into it, and there are at most two edges per state.
  const pending = new Int32Array(2 * size + 1);
  let stamp = 1;
  // Adds `state` and everything it reaches without taking a character to `following`.
  const reach = (state: number) => {
    let top = 0;
    pending[top++] = state;
    while (top > 0) {
      const current = pending[--top] as number;
      if (seen[current] === stamp) continue;
      seen[current] = stamp;
      if (take[current] === SPLIT) {
        const other = alt[current] as number;
        if (other >= 0 && seen[other] !== stamp) pending[top++] = other;
        const to = next[current] as number;
        if (seen[to] !== stamp) pending[top++] = to;
      } else following[followingCount++] = current;
    }
  };
  reach(0);
  for (let i = 0; i < uri.length && followingCount > 0; i += 1) {
    [live, following] = [following, live];
    liveCount = followingCount;
    followingCount = 0;
    stamp += 1;
    const code = uri.charCodeAt(i);
    for (let k = 0; k < liveCount; k += 1) {
      const state = live[k] as number;
      if (allows(take[state] as number, code)) reach(next[state] as number);
    }
  }
  for (let k = 0; k < followingCount; k += 1) if (take[following[k] as number] === ACCEPT) return true;
  return false;
}

/**
 * Whether `uri` is one of the URIs `template` can expand to (read generously, see EXPANSIONS), in at
 * most `uri.length × template.length` steps. Over-long templates and URIs never match.
 */
export function matchesUriTemplate(template: string, uri: string): boolean {
  if (template === "" || template.length > MAX_URI_TEMPLATE_LENGTH) return false;
  if (uri.length > MAX_TEMPLATE_MATCHED_URI_LENGTH) return false;
  return runAutomaton(compileTemplate(template), uri);
}
