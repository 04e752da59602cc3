// Writes one message line, with its newline, to a server's input. A line given as pieces of bytes (a
// client's request with its id replaced, see `spliceRequestId`) goes in one writev when large, since
// joining the pieces first would copy the payload, and joined when small.

import type { Writable } from "node:stream";
import type { JsonLine } from "../core/index.js";

const NEWLINE = Buffer.from("\n");

/**
 * Below this a line is joined first: one small copy allocates less than the stream's bookkeeping for
 * each piece (an entry per write, the writev arrays), which runs for every message.
 */
const JOIN_BELOW_BYTES = 16 * 1024;

/** write() returning false only means the pipe is full (backpressure): the line is queued. */
export function writeJsonLine(stream: Writable, line: JsonLine): void {
  if (typeof line === "string") {
    stream.write(`${line}\n`);
    return;
  }
  let length = NEWLINE.length;
  for (const piece of line) length += piece.length;
  if (length < JOIN_BELOW_BYTES) {
    stream.write(Buffer.concat([...line, NEWLINE], length));
    return;
  }
  stream.cork();
  for (const piece of line) stream.write(piece);
  stream.write(NEWLINE);
  stream.uncork();
}
