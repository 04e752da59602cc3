// Sizes in bytes from the spellings Kubernetes uses: binary Ki/Mi/Gi/Ti, decimal k/M/G/T, or a plain
// integer of bytes. "256MB" is refused on purpose: it is ambiguous between 10^6 and 2^20.

const UNIT_BYTES = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
} as const;

export const SIZE_PATTERN = "^\\d+(\\.\\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$";
const SIZE = new RegExp(SIZE_PATTERN);

/** Bytes for "512Ki", "256Mi", "1Gi", "100M", "1.5Gi" or "1048576"; undefined for anything else. */
export function parseSize(text: string): number | undefined {
  const trimmed = text.trim();
  const match = SIZE.exec(trimmed);
  if (match === null) return undefined;
  const unit = (match[2] ?? "") as keyof typeof UNIT_BYTES;
  const number = Number.parseFloat(trimmed);
  // A fraction of a byte is meaningless: only a unit may carry a fractional count.
  if (unit === "" && !Number.isInteger(number)) return undefined;
  return Math.floor(number * UNIT_BYTES[unit]);
}
