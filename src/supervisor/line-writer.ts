// Writes one message line given as pieces of bytes (a client's request with its id replaced, see
// `spliceRequestId`), with its newline, in one writev: joining the pieces first would copy the payload.

import type { Writable } from "node:stream";

const NEWLINE = Buffer.from("\n");

export function writePieces(stream: Writable, pieces: readonly Buffer[]): void {
  stream.cork();
  for (const piece of pieces) stream.write(piece);
  stream.write(NEWLINE);
  stream.uncork();
}
