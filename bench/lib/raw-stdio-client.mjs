// The lean client of the direct setup: raw JSON-RPC lines over a server process's stdin/stdout, no
// SDK. One client = one server process, as when every AI client spawns its own copy.

import { PROTOCOL_VERSION } from "./messages.mjs";

export class RawStdioClient {
  #child;
  #pending = new Map();
  #chunks = [];
  #nextId = 1;
  #ended;

  /** @param {import("node:child_process").ChildProcess} child a server with piped stdin/stdout */
  constructor(child) {
    this.#child = child;
    child.stdin.on("error", () => {});
    child.stdout.on("data", (chunk) => this.#onData(chunk));
    child.once("exit", (code, signal) => {
      this.#ended = `server exited (${signal ?? `code ${code}`})`;
      for (const [id, waiter] of this.#pending) {
        this.#pending.delete(id);
        waiter.reject(new Error(this.#ended));
      }
    });
  }

  async initialize() {
    const answer = await this.request("initialize", {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: "corral-bench", version: "0" },
    });
    if (answer.error !== undefined) throw new Error(`initialize failed: ${answer.error.message}`);
    this.#write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  }

  /** Sends a request line; resolves with the parsed answer message. */
  request(method, params) {
    const id = this.#nextId++;
    return this.send(id, JSON.stringify({ jsonrpc: "2.0", id, method, params }));
  }

  /** Sends a ready-made request line whose id is `id`; resolves with the answer message. */
  send(id, line) {
    if (this.#ended !== undefined) return Promise.reject(new Error(this.#ended));
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#write(line);
    });
  }

  nextId() {
    return this.#nextId++;
  }

  /** Fails every waiting request (a call that took too long). */
  abort(reason) {
    for (const [id, waiter] of this.#pending) {
      this.#pending.delete(id);
      waiter.reject(new Error(reason));
    }
  }

  #write(line) {
    this.#child.stdin.write(`${line}\n`);
  }

  #onData(chunk) {
    let start = 0;
    let newline = chunk.indexOf(10);
    while (newline !== -1) {
      const part = chunk.subarray(start, newline);
      let line;
      if (this.#chunks.length === 0) line = part;
      else {
        this.#chunks.push(part);
        line = Buffer.concat(this.#chunks);
        this.#chunks = [];
      }
      this.#onLine(line);
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length) this.#chunks.push(chunk.subarray(start));
  }

  #onLine(line) {
    if (line.length === 0) return;
    const message = JSON.parse(line.toString("utf8"));
    if (message.id === undefined || message.method !== undefined) return; // notifications, server requests
    const waiter = this.#pending.get(message.id);
    if (waiter === undefined) return;
    this.#pending.delete(message.id);
    waiter.resolve(message);
  }
}
