// Splits a byte stream into lines without decoding what it does not need to. A line longer than
// `maxLineBytes` is cut off and reported, so a server that never writes a newline cannot grow
// Corral's memory without bound.

export interface LineSplitterOptions {
  readonly maxLineBytes: number;
  readonly onLine: (line: Buffer) => void;
  readonly onOverlong?: (droppedBytes: number) => void;
}

export class LineSplitter {
  readonly #options: LineSplitterOptions;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #discarding = false;

  constructor(options: LineSplitterOptions) {
    this.#options = options;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline !== -1; newline = chunk.indexOf(10, start)) {
      this.#append(chunk.subarray(start, newline));
      this.#emit();
      start = newline + 1;
    }
    if (start < chunk.length) this.#append(chunk.subarray(start));
  }

  /** Emits what is left as a last line (on end of stream). */
  flush(): void {
    if (this.#pendingBytes > 0) this.#emit();
  }

  #append(part: Buffer): void {
    if (part.length === 0) return;
    if (this.#discarding) {
      this.#pendingBytes += part.length;
      return;
    }
    this.#pending.push(part);
    this.#pendingBytes += part.length;
    if (this.#pendingBytes > this.#options.maxLineBytes) {
      this.#pending = [];
      this.#discarding = true;
    }
  }

  #emit(): void {
    if (this.#discarding) {
      this.#options.onOverlong?.(this.#pendingBytes);
    } else if (this.#pending.length === 1) {
      this.#options.onLine(this.#pending[0] as Buffer);
    } else if (this.#pending.length > 1) {
      this.#options.onLine(Buffer.concat(this.#pending, this.#pendingBytes));
    } else {
      this.#options.onLine(Buffer.alloc(0));
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#discarding = false;
  }
}
