// "Did you mean" for unknown keys and values: the closest allowed word by edit distance, plus the
// names other tools use for the same thing.

const SYNONYMS: Readonly<Record<string, string>> = {
  arguments: "args",
  cmd: "command",
  environment: "env",
  workdir: "cwd",
  workingDirectory: "cwd",
  working_directory: "cwd",
  timeout: "requestTimeout",
  enabled: "disabled",
  instances: "replicas",
};

/** Levenshtein distance, case-insensitive: `Command` is one edit from nothing. */
export function measureEditDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const cost = left[i - 1] === right[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[right.length]!;
}

/** The allowed word `word` was most likely meant to be, if any is close enough. */
export function suggestWord(word: string, allowed: readonly string[]): string | undefined {
  const synonym = SYNONYMS[word];
  if (synonym !== undefined && allowed.includes(synonym)) return synonym;
  // Short words are all close to each other; allow fewer edits for them.
  const limit = word.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of allowed) {
    const distance = measureEditDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
