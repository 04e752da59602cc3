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
  readonly #listeners = new Set<(line: LogLine) => void>();
  #bytes = 0;
  #total = 0;

  constructor(maxLines = 1_000, maxBytes = 256 * 1024) {
    this.#maxLines = maxLines;
    this.#maxBytes = maxBytes;
  }

  push(text: string, at = Date.now()): void {
    const line = { at, text };
    this.#lines.push(line);
    this.#bytes += text.length;
    this.#total += 1;
    while (this.#lines.length > this.#maxLines || (this.#bytes > this.#maxBytes && this.#lines.length > 1)) {
      const dropped = this.#lines.shift() as LogLine;
      this.#bytes -= dropped.text.length;
    }
    for (const listener of this.#listeners) listener(line);
  }

  /** Calls `listener` with every line pushed from now on (`corral logs -f`); returns an unsubscribe. */
  onLine(listener: (line: LogLine) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
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
