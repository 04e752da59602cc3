// Docker's multiplexed attach stream (a container without a TTY): frames of an 8-byte header (stream
// type 0 stdin, 1 stdout, 2 stderr; three zero bytes; payload size, uint32 big-endian) then the
// payload. Frames are cut anywhere by the socket, so a frame may span chunks and a chunk many frames.

export type DockerStream = "stdout" | "stderr";

const HEADER_BYTES = 8;

export interface FrameDemuxerOptions {
  readonly onData: (stream: DockerStream, payload: Buffer) => void;
  /** A header that is not a frame (unknown stream type): the stream cannot be read any further. */
  readonly onCorrupt?: (reason: string) => void;
}

export class FrameDemuxer {
  readonly #options: FrameDemuxerOptions;
  #buffered: Buffer = Buffer.alloc(0);
  /** The frame being read: its stream and the payload bytes still expected. */
  #current: { stream: DockerStream; remaining: number } | undefined;
  #corrupt = false;

  constructor(options: FrameDemuxerOptions) {
    this.#options = options;
  }

  push(chunk: Buffer): void {
    if (this.#corrupt || chunk.length === 0) return;
    let data = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    this.#buffered = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.#current === undefined) {
        if (data.length < HEADER_BYTES) {
          this.#buffered = Buffer.from(data); // a partial header: wait for the rest
          return;
        }
        const type = data[0];
        if (type !== 1 && type !== 2) {
          this.#corrupt = true;
          this.#options.onCorrupt?.(`unexpected stream type ${type} in a Docker attach frame`);
          return;
        }
        this.#current = { stream: type === 1 ? "stdout" : "stderr", remaining: data.readUInt32BE(4) };
        data = data.subarray(HEADER_BYTES);
      }
      // Payload bytes go out as they arrive: a large frame is never held whole.
      const take = Math.min(this.#current.remaining, data.length);
      if (take > 0) this.#options.onData(this.#current.stream, data.subarray(0, take));
      this.#current.remaining -= take;
      data = data.subarray(take);
      if (this.#current.remaining === 0) this.#current = undefined;
    }
  }
}
