// The leanest Streamable HTTP client: HTTP/1.1 written and read by hand on one keep-alive TCP socket
// (no node:http, no Agent), Content-Length or chunked bodies, answers as JSON or a minimal SSE stream.
// The default raw client: it costs the load generator a third to a half of what node:http does per call.

import net from "node:net";
import { checkEchoAnswer, echoRequestText, PROTOCOL_VERSION } from "./messages.mjs";
import { parseSse } from "./raw-http-client.mjs";

const CRLF2 = Buffer.from("\r\n\r\n");

export class RawSocketClient {
  #url;
  #socket;
  #head;
  #pending; // { resolve, reject }
  #buffer = Buffer.alloc(0);
  #nextId = 1;
  sessionId;

  constructor(url) {
    this.#url = new URL(url);
    this.#head = `POST ${this.#url.pathname} HTTP/1.1\r\nHost: ${this.#url.host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n`;
  }

  async initialize() {
    const id = this.#nextId++;
    const reply = await this.post(
      JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "initialize",
        params: {
          protocolVersion: PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: "corral-bench", version: "0" },
        },
      }),
    );
    const answer = findAnswer(reply, id);
    if (reply.status !== 200 || answer?.result === undefined)
      throw new Error(`initialize: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
    const sessionId = reply.headers["mcp-session-id"];
    if (sessionId === undefined) throw new Error("initialize: no Mcp-Session-Id header");
    this.sessionId = sessionId;
    this.#head += `Mcp-Session-Id: ${sessionId}\r\nMcp-Protocol-Version: ${answer.result.protocolVersion ?? PROTOCOL_VERSION}\r\n`;
    const initialized = await this.post('{"jsonrpc":"2.0","method":"notifications/initialized"}');
    if (initialized.status !== 202 && initialized.status !== 200)
      throw new Error(`notifications/initialized: HTTP ${initialized.status}`);
  }

  async callEcho(message) {
    const id = this.#nextId++;
    const reply = await this.post(echoRequestText(id, message));
    if (reply.status !== 200) return `HTTP ${reply.status}: ${reply.body.slice(0, 200)}`;
    return checkEchoAnswer(findAnswer(reply, id), id, message);
  }

  post(text) {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      const socket = this.#connect();
      socket.write(`${this.#head}Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    });
  }

  abort(reason) {
    this.#socket?.destroy(new Error(reason));
  }

  async close() {
    if (this.sessionId !== undefined && this.#socket !== undefined) {
      const head = this.#head.replace(/^POST /, "DELETE ");
      this.#socket.write(`${head}Content-Length: 0\r\n\r\n`);
    }
    this.#socket?.end();
    this.#socket?.destroy();
  }

  #connect() {
    if (this.#socket !== undefined && !this.#socket.destroyed) return this.#socket;
    const socket = net.connect({ host: this.#url.hostname, port: Number(this.#url.port), noDelay: true });
    this.#buffer = Buffer.alloc(0);
    socket.on("data", (chunk) => this.#onData(chunk));
    const fail = (error) => {
      if (this.#socket === socket) this.#socket = undefined;
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.reject(error ?? new Error("connection closed"));
    };
    socket.on("error", fail);
    socket.on("close", () => fail());
    this.#socket = socket;
    return socket;
  }

  #onData(chunk) {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const reply = parseResponse(this.#buffer);
    if (reply === undefined) return;
    this.#buffer = this.#buffer.subarray(reply.consumed);
    const pending = this.#pending;
    this.#pending = undefined;
    if (reply.close) {
      this.#socket?.destroy();
      this.#socket = undefined;
    }
    pending?.resolve(reply);
  }
}

/** One complete HTTP/1.1 response at the start of `buffer`, or undefined while incomplete. */
function parseResponse(buffer) {
  const end = buffer.indexOf(CRLF2);
  if (end === -1) return undefined;
  const lines = buffer.toString("latin1", 0, end).split("\r\n");
  const status = Number(lines[0].split(" ")[1]);
  const headers = {};
  for (let index = 1; index < lines.length; index++) {
    const colon = lines[index].indexOf(":");
    headers[lines[index].slice(0, colon).toLowerCase()] = lines[index].slice(colon + 1).trim();
  }
  const start = end + 4;
  let body;
  let consumed;
  if (headers["transfer-encoding"]?.includes("chunked")) {
    const parts = [];
    let cursor = start;
    for (;;) {
      const lineEnd = buffer.indexOf("\r\n", cursor);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(buffer.toString("latin1", cursor, lineEnd), 16);
      if (buffer.length < lineEnd + 2 + size + 2) return undefined;
      if (size === 0) {
        consumed = lineEnd + 4;
        break;
      }
      parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      cursor = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts).toString("utf8");
  } else {
    const length = Number(headers["content-length"] ?? 0);
    if (buffer.length < start + length) return undefined;
    body = buffer.toString("utf8", start, start + length);
    consumed = start + length;
  }
  return {
    status,
    headers,
    contentType: headers["content-type"] ?? "",
    body,
    consumed,
    close: headers.connection?.toLowerCase() === "close",
  };
}

function findAnswer(reply, id) {
  if (reply.contentType.startsWith("application/json")) {
    const parsed = JSON.parse(reply.body);
    return Array.isArray(parsed) ? parsed.find((message) => message.id === id) : parsed;
  }
  if (reply.contentType.startsWith("text/event-stream")) {
    return parseSse(reply.body).find((message) => message.id === id && message.method === undefined);
  }
  return undefined;
}
