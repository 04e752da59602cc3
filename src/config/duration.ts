// Durations as people write them in a config ("500ms", "2s", "1m30s") turned into milliseconds.
// A unit is required: a bare "30" could mean seconds or milliseconds, and guessing wrong is silent.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

export const DURATION_PATTERN = "^(0|(\\d+(\\.\\d+)?(ms|s|m|h|d))+)$";

/**
 * Milliseconds for a duration like "500ms", "2s", "10m", "1h", "1d" or a sum like "1m30s";
 * `0` needs no unit. Undefined for anything else (including a bare number such as "30").
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  if (trimmed === "") return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < trimmed.length) {
    const match = PART.exec(trimmed);
    if (match === null) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  return Math.round(total);
}

/** The shortest exact spelling of `ms` as a duration, for messages ("90000" → "1m30s"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0";
  let rest = ms;
  let text = "";
  for (const [unit, size] of [
    ["d", UNIT_MS.d],
    ["h", UNIT_MS.h],
    ["m", UNIT_MS.m],
    ["s", UNIT_MS.s],
  ] as const) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return rest > 0 ? `${text}${rest}ms` : text;
}
