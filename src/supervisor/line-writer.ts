// Writes one message line given as pieces of bytes (a client's request with its id replaced, see
// `spliceRequestId`), with its newline: a large line in one writev, since joining the pieces first
// would copy the payload; a small one joined.

import type { Writable } from "node:stream";

const NEWLINE = Buffer.from("\n");

/**
 * Below this a line is joined first: one small copy allocates less than the stream's bookkeeping for
 * each piece (an entry per write, the writev arrays), which runs for every message.
 */
const JOIN_BELOW_BYTES = 16 * 1024;

export function writePieces(stream: Writable, pieces: readonly Buffer[]): void {
  let length = NEWLINE.length;
  for (const piece of pieces) length += piece.length;
  if (length < JOIN_BELOW_BYTES) {
    stream.write(Buffer.concat([...pieces, NEWLINE], length));
    return;
  }
  stream.cork();
  for (const piece of pieces) stream.write(piece);
  stream.write(NEWLINE);
  stream.uncork();
}
