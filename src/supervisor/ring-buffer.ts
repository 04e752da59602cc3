// The last lines a server wrote to stderr, bounded by count and by bytes, for `corral logs` and for
// explaining a crash ("exit 1: <last stderr line>").

export interface LogLine {
  readonly at: number;
  readonly text: string;
}

export class LineRing {
  readonly #maxLines: number;
  readonly #maxBytes: number;
  readonly #lines: LogLine[] = [];
  #bytes = 0;
  #total = 0;

  constructor(maxLines = 1_000, maxBytes = 256 * 1024) {
    this.#maxLines = maxLines;
    this.#maxBytes = maxBytes;
  }

  push(text: string, at = Date.now()): void {
    this.#lines.push({ at, text });
    this.#bytes += text.length;
    this.#total += 1;
    while (this.#lines.length > this.#maxLines || (this.#bytes > this.#maxBytes && this.#lines.length > 1)) {
      const dropped = this.#lines.shift() as LogLine;
      this.#bytes -= dropped.text.length;
    }
  }

  /** The newest `count` lines, oldest first. */
  tail(count = this.#maxLines): LogLine[] {
    return this.#lines.slice(Math.max(0, this.#lines.length - count));
  }

  /** Lines ever pushed, including those dropped. */
  get total(): number {
    return this.#total;
  }
}
