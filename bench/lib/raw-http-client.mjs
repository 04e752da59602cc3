// The node:http Streamable HTTP client (`--raw-client node`): one keep-alive connection per session,
// requests serialised by hand, answers read as JSON or as a minimal SSE stream. Also home of the
// minimal SSE parser both raw HTTP clients use.

import http from "node:http";
import { checkEchoAnswer, echoRequestText, PROTOCOL_VERSION } from "./messages.mjs";

/** JSON-RPC messages in an SSE body: the `data:` lines of each event. */
export function parseSse(text) {
  const normalised = text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
  const messages = [];
  for (const event of normalised.split("\n\n")) {
    let data;
    for (const line of event.split("\n")) {
      if (!line.startsWith("data:")) continue;
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    }
    if (data !== undefined && data !== "") messages.push(JSON.parse(data));
  }
  return messages;
}

export class RawHttpClient {
  #url;
  #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  #headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  #nextId = 1;
  #current;
  sessionId;

  constructor(url) {
    this.#url = new URL(url);
  }

  /** initialize + notifications/initialized; resolves once both are answered. */
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
    if (typeof sessionId !== "string") throw new Error("initialize: no Mcp-Session-Id header");
    this.sessionId = sessionId;
    this.#headers = {
      ...this.#headers,
      "mcp-session-id": sessionId,
      "mcp-protocol-version": answer.result.protocolVersion ?? PROTOCOL_VERSION,
    };
    const initialized = await this.post('{"jsonrpc":"2.0","method":"notifications/initialized"}');
    if (initialized.status !== 202 && initialized.status !== 200)
      throw new Error(`notifications/initialized: HTTP ${initialized.status}`);
  }

  /** One echo call; resolves with undefined when the answer is exactly right, else with what was wrong. */
  async callEcho(message) {
    const id = this.#nextId++;
    const reply = await this.post(echoRequestText(id, message));
    if (reply.status !== 200) return `HTTP ${reply.status}: ${reply.body.slice(0, 200)}`;
    return checkEchoAnswer(findAnswer(reply, id), id, message);
  }

  post(text, method = "POST") {
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          path: this.#url.pathname,
          method,
          agent: this.#agent,
          headers: { ...this.#headers, "content-length": Buffer.byteLength(text) },
        },
        (response) => {
          const chunks = [];
          response.on("data", (chunk) => chunks.push(chunk));
          response.on("end", () => {
            this.#current = undefined;
            resolve({
              status: response.statusCode,
              headers: response.headers,
              contentType: response.headers["content-type"] ?? "",
              body: chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8"),
            });
          });
          response.on("error", reject);
        },
      );
      this.#current = request;
      request.on("error", (error) => {
        this.#current = undefined;
        reject(error);
      });
      request.end(text);
    });
  }

  /** Ends the call in progress (it took too long). */
  abort(reason) {
    this.#current?.destroy(new Error(reason));
  }

  /** DELETE the session (best effort) and drop the connection. */
  async close() {
    if (this.sessionId !== undefined) {
      try {
        await Promise.race([this.post("", "DELETE"), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      } catch {
        // The gateway may already be gone.
      }
    }
    this.#agent.destroy();
  }
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
