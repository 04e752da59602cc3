// Finds the top-level members of one JSON object in a buffer without building it, so the hot path can
// read a message's id and splice another one in instead of parsing and re-serialising the payload.
// Whatever it is not sure about (escaped or duplicate keys, unbalanced nesting, trailing bytes) makes
// it answer undefined: the caller then parses the message as before.

import { isUtf8 } from "node:buffer";

/** One top-level member: its key and the byte range of its value. */
export interface MemberSpan {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

/** A JSON-RPC response line kept as the server wrote it, and where its numeric id sits. */
export interface ResponseLine {
  readonly line: Buffer;
  readonly id: number;
  readonly idStart: number;
  readonly idEnd: number;
}

/** One JSON line without its newline: a string, or pieces of bytes to be written one after another. */
export type JsonLine = string | readonly Buffer[];

/** A client's request as it came, and where its id sits, to be forwarded with only the id replaced. */
export interface RequestBytes {
  readonly bytes: Buffer;
  readonly idStart: number;
  readonly idEnd: number;
  /** Where the value of `params` sits, if the request has params. */
  readonly params: { readonly start: number; readonly end: number } | undefined;
  /** One more span to replace with `text` (see `renameInRequest`). */
  readonly edit?: { readonly start: number; readonly end: number; readonly text: string };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const CARRIAGE_RETURN = 0x0d;
const LINE_FEED = 0x0a;
const REQUEST_KEYS = new Set(["jsonrpc", "id", "method", "params"]);
const LITERAL = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;
const GATEWAY_ID = /^[1-9]\d{0,14}$/;

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function skipSpace(bytes: Buffer, at: number): number {
  let i = at;
  while (isSpace(bytes[i])) i += 1;
  return i;
}

/** Index just past the string that opens at `open`, or -1 when it never closes. */
function endOfString(bytes: Buffer, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote === -1) return -1;
    // A quote after an odd run of backslashes is escaped; each backslash run is counted once.
    let slashes = 0;
    for (let k = quote - 1; k > open && bytes[k] === BACKSLASH; k -= 1) slashes += 1;
    if (slashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The closers still expected by `endOfContainer`; one array for every call (it never re-enters). */
const closers: number[] = [];

/** Index just past the object or array that opens at `open`, or -1 when it is unbalanced. */
function endOfContainer(bytes: Buffer, open: number): number {
  closers.length = 0;
  for (let i = open; i < bytes.length; ) {
    const byte = bytes[i] as number;
    if (byte === QUOTE) {
      i = endOfString(bytes, i);
      if (i === -1) return -1;
      continue;
    }
    if (byte === OPEN_OBJECT) closers.push(CLOSE_OBJECT);
    else if (byte === OPEN_ARRAY) closers.push(CLOSE_ARRAY);
    else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      if (closers.pop() !== byte) return -1;
      if (closers.length === 0) return i + 1;
    }
    i += 1;
  }
  return -1;
}

function endOfValue(bytes: Buffer, start: number): number {
  const first = bytes[start];
  if (first === QUOTE) return endOfString(bytes, start);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) return endOfContainer(bytes, start);
  let i = start;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (byte === COMMA || byte === CLOSE_OBJECT || byte === CLOSE_ARRAY || isSpace(byte)) break;
    i += 1;
  }
  return LITERAL.test(bytes.toString("latin1", start, i)) ? i : -1;
}

/**
 * The members of the object `bytes` holds (whitespace around it allowed), in order; undefined when
 * the bytes are not plainly one object. Values inside strings and nested containers are skipped,
 * not validated: use it on bytes that were parsed elsewhere, or accept that only the shape is known.
 */
export function scanTopLevelMembers(bytes: Buffer): MemberSpan[] | undefined {
  let i = skipSpace(bytes, 0);
  if (bytes[i] !== OPEN_OBJECT) return undefined;
  i = skipSpace(bytes, i + 1);
  const members: MemberSpan[] = [];
  if (bytes[i] === CLOSE_OBJECT) return skipSpace(bytes, i + 1) === bytes.length ? members : undefined;
  for (;;) {
    if (bytes[i] !== QUOTE) return undefined;
    const keyEnd = endOfString(bytes, i);
    if (keyEnd === -1) return undefined;
    // Keys are short: a loop over them costs less than a view to search (this runs per message).
    for (let k = i + 1; k < keyEnd - 1; k += 1) if (bytes[k] === BACKSLASH) return undefined;
    const key = bytes.toString("latin1", i + 1, keyEnd - 1);
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) return undefined;
    const start = skipSpace(bytes, i + 1);
    const end = endOfValue(bytes, start);
    if (end === -1) return undefined;
    // JSON.parse keeps the last of duplicate keys; a reader of the first one would disagree with it.
    for (const member of members) if (member.key === key) return undefined;
    members.push({ key, start, end });
    i = skipSpace(bytes, end);
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1);
      continue;
    }
    if (bytes[i] !== CLOSE_OBJECT) return undefined;
    return skipSpace(bytes, i + 1) === bytes.length ? members : undefined;
  }
}

/**
 * The gateway-assigned id of a plain JSON-RPC success line: `"jsonrpc":"2.0"`, a positive integer
 * id, one result, no error, no method. Undefined for anything else (requests, notifications,
 * string ids, odd shapes), and for lines with a raw CR, which would break SSE framing if passed on.
 */
export function findResponseId(line: Buffer): ResponseLine | undefined {
  if (line.includes(CARRIAGE_RETURN)) return undefined;
  const members = scanTopLevelMembers(line);
  if (members === undefined) return undefined;
  let id: MemberSpan | undefined;
  let version: MemberSpan | undefined;
  let outcomes = 0;
  for (const member of members) {
    if (member.key === "id") id = member;
    else if (member.key === "jsonrpc") version = member;
    else if (member.key === "result") outcomes += 1;
    // Errors are parsed (they are rare): the connection checks they do not pose as Corral's own.
    else if (member.key === "error") return undefined;
    else if (member.key === "method") return undefined;
  }
  if (id === undefined || version === undefined || outcomes !== 1) return undefined;
  if (line.toString("latin1", version.start, version.end) !== '"2.0"') return undefined;
  const idText = line.toString("latin1", id.start, id.end);
  if (!GATEWAY_ID.test(idText)) return undefined;
  return { line, id: Number(idText), idStart: id.start, idEnd: id.end };
}

/**
 * The line with its id replaced by `id` (JSON-encoded), in three pieces to be written as they are:
 * joining them would copy the payload into fresh memory, which costs more than the write itself.
 */
export function spliceResponseId(response: ResponseLine, id: string | number): readonly Buffer[] {
  const { line, idStart, idEnd } = response;
  return [line.subarray(0, idStart), Buffer.from(JSON.stringify(id)), line.subarray(idEnd)];
}

/**
 * The request `body` holds when it can travel to a server byte for byte with only its id replaced,
 * meaning the server reads exactly what `JSON.stringify` of the parsed request would have told it:
 * one object with the keys jsonrpc ("2.0"), id, method and optionally params, each once; no raw CR or
 * LF (the message travels as one line; in valid JSON they can only be whitespace); valid UTF-8
 * (`JSON.parse` reads invalid bytes as U+FFFD, which re-serialising would have sent). Undefined
 * otherwise: the caller then serialises the parsed request as before. Only for a body that
 * `JSON.parse` accepted: the scan checks shape, not every value.
 */
export function findRequestBytes(body: Buffer): RequestBytes | undefined {
  if (body.includes(LINE_FEED) || body.includes(CARRIAGE_RETURN) || !isUtf8(body)) return undefined;
  const members = scanTopLevelMembers(body);
  if (members === undefined) return undefined;
  let id: MemberSpan | undefined;
  let params: MemberSpan | undefined;
  for (const member of members) {
    if (!REQUEST_KEYS.has(member.key)) return undefined;
    if (member.key === "id") id = member;
    else if (member.key === "params") params = member;
    else if (member.key === "jsonrpc" && body.toString("latin1", member.start, member.end) !== '"2.0"')
      return undefined;
  }
  if (id === undefined) return undefined;
  return {
    bytes: body,
    idStart: id.start,
    idEnd: id.end,
    params: params === undefined ? undefined : { start: params.start, end: params.end },
  };
}

/**
 * The same request with `params.name` (a string) replaced by `name`: how the aggregate endpoint turns
 * `<server>__<tool>` back into the server's own name without re-serialising the arguments. Undefined
 * when params is not plainly an object with one string `name`.
 */
export function renameInRequest(request: RequestBytes, name: string): RequestBytes | undefined {
  const params = request.params;
  if (params === undefined || request.edit !== undefined) return undefined;
  const members = scanTopLevelMembers(request.bytes.subarray(params.start, params.end));
  const member = members?.find((candidate) => candidate.key === "name");
  if (member === undefined || request.bytes[params.start + member.start] !== QUOTE) return undefined;
  const edit = {
    start: params.start + member.start,
    end: params.start + member.end,
    text: JSON.stringify(name),
  };
  return { ...request, edit };
}

/** The request with `id` in place of the client's, as pieces of one line (see `spliceResponseId`). */
export function spliceRequestId(request: RequestBytes, id: number): readonly Buffer[] {
  const { bytes, idStart, idEnd, edit } = request;
  const idText = Buffer.from(String(id));
  if (edit === undefined) return [bytes.subarray(0, idStart), idText, bytes.subarray(idEnd)];
  // The id is a top-level member and the edit lies inside params: they never overlap.
  const [first, second] =
    idStart < edit.start
      ? [
          { start: idStart, end: idEnd, text: idText },
          { ...edit, text: Buffer.from(edit.text) },
        ]
      : [
          { ...edit, text: Buffer.from(edit.text) },
          { start: idStart, end: idEnd, text: idText },
        ];
  return [
    bytes.subarray(0, first.start),
    first.text,
    bytes.subarray(first.end, second.start),
    second.text,
    bytes.subarray(second.end),
  ];
}

/** One open object or array while `findDuplicateKey` walks a message. */
interface Frame {
  readonly isObject: boolean;
  /** Where this object's keys begin in the shared span stack. */
  readonly base: number;
  /** Once the object is wide or has an escaped key: its keys as comparable strings. */
  keys: Set<string> | undefined;
  /** The last key's span (objects) or the element index (arrays), for the path in the answer. */
  at: number;
  atEnd: number;
}

/** Objects with more keys than this compare them through a Set; below, pairwise is cheaper. */
const PAIRWISE_KEYS = 16;
/** Spans (start, end of the quoted key) of the keys of every open object, innermost last. */
const keySpans: number[] = [];

/** A key as comparable bytes: the raw bytes when unescaped, else its decoded text re-encoded. */
function keyBytes(bytes: Buffer, start: number, end: number): string {
  const raw = bytes.toString("latin1", start + 1, end - 1);
  if (!raw.includes("\\")) return raw;
  return Buffer.from(JSON.parse(bytes.toString("utf8", start, end)) as string, "utf8").toString("latin1");
}

function hasBackslash(bytes: Buffer, start: number, end: number): boolean {
  for (let k = start + 1; k < end - 1; k += 1) if (bytes[k] === BACKSLASH) return true;
  return false;
}

function sameBytes(bytes: Buffer, a: number, b: number, length: number): boolean {
  for (let k = 0; k < length; k += 1) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}

/** Records the key at [start, end) in `frame`; false when the object already has it. */
function addKey(bytes: Buffer, frame: Frame, start: number, end: number): boolean {
  if (frame.keys === undefined) {
    const count = (keySpans.length - frame.base) / 2;
    if (count < PAIRWISE_KEYS && !hasBackslash(bytes, start, end)) {
      const length = end - start;
      for (let k = frame.base; k < keySpans.length; k += 2) {
        const other = keySpans[k] as number;
        if ((keySpans[k + 1] as number) - other === length && sameBytes(bytes, start, other, length))
          return false;
      }
      keySpans.push(start, end);
      return true;
    }
    frame.keys = new Set();
    for (let k = frame.base; k < keySpans.length; k += 2)
      frame.keys.add(keyBytes(bytes, keySpans[k] as number, keySpans[k + 1] as number));
  }
  const key = keyBytes(bytes, start, end);
  if (frame.keys.has(key)) return false;
  frame.keys.add(key);
  return true;
}

/** Where the duplicate key at [start, end) sits: each enclosing frame's current key or index. */
function pointerOf(bytes: Buffer, frames: readonly Frame[], start: number, end: number): string {
  const decode = (from: number, to: number) => JSON.parse(bytes.toString("utf8", from, to)) as string;
  const parts = frames
    .slice(0, -1)
    .map((frame) => (frame.isObject ? decode(frame.at, frame.atEnd) : String(frame.at)));
  parts.push(decode(start, end));
  return `/${parts.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;
}

/**
 * The JSON Pointer of the first key that appears twice in one object, at any depth of the JSON text
 * `bytes` holds; undefined when there is none. `JSON.parse` keeps the last of duplicate keys and many
 * readers the first, so a decision made on the parsed message could differ from what a server reads
 * in the same bytes. Only for bytes that `JSON.parse` accepted: strings are skipped, not validated.
 */
export function findDuplicateKey(bytes: Buffer): string | undefined {
  const frames: Frame[] = [];
  keySpans.length = 0;
  let expectKey = false;
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i] as number;
    if (byte === QUOTE) {
      const end = endOfString(bytes, i);
      if (end === -1) return undefined;
      if (expectKey) {
        const frame = frames[frames.length - 1] as Frame;
        if (!addKey(bytes, frame, i, end)) return pointerOf(bytes, frames, i, end);
        frame.at = i;
        frame.atEnd = end;
        expectKey = false;
      }
      i = end;
      continue;
    }
    if (byte === OPEN_OBJECT) {
      frames.push({ isObject: true, base: keySpans.length, keys: undefined, at: 0, atEnd: 0 });
      expectKey = true;
    } else if (byte === OPEN_ARRAY) {
      frames.push({ isObject: false, base: keySpans.length, keys: undefined, at: 0, atEnd: 0 });
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      const frame = frames.pop();
      if (frame !== undefined) keySpans.length = frame.base;
      expectKey = false;
    } else if (byte === COMMA) {
      const frame = frames[frames.length - 1];
      if (frame?.isObject === true) expectKey = true;
      else if (frame !== undefined) frame.at += 1;
    }
    i += 1;
  }
  return undefined;
}
