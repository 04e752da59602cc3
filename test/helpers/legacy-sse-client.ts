// A raw client of the legacy HTTP+SSE transport for gateway tests: opens the GET stream, reads the
// endpoint event, POSTs exact bodies there, and waits for messages on the stream with a deadline.
import { readSseEvents } from "../../src/cli/sse-reader.js";
import type { Message } from "./mcp-http.js";
import { waitFor } from "./wait.js";

export class LegacySseClient {
  /** Absolute URL of the endpoint event, sessionId included. */
  readonly messagesUrl: string;
  /** Every message that arrived on the stream so far, in order. */
  readonly messages: Message[] = [];
  ended = false;
  readonly #aborter: AbortController;
  #nextId = 1;

  private constructor(messagesUrl: string, aborter: AbortController) {
    this.messagesUrl = messagesUrl;
    this.#aborter = aborter;
  }

  static async open(sseUrl: string): Promise<LegacySseClient> {
    const aborter = new AbortController();
    const response = await fetch(sseUrl, {
      headers: { accept: "text/event-stream" },
      signal: aborter.signal,
    });
    if (response.status !== 200 || response.body === null)
      throw new Error(`GET ${sseUrl}: ${response.status} ${await response.text()}`);
    const events = readSseEvents(response.body as unknown as AsyncIterable<Uint8Array>);
    const first = await events.next();
    if (first.done === true || first.value.event !== "endpoint")
      throw new Error(`the first event was not an endpoint event: ${JSON.stringify(first.value)}`);
    const client = new LegacySseClient(new URL(first.value.data, sseUrl).href, aborter);
    void (async () => {
      try {
        for await (const event of events) {
          if (event.event === "message") client.messages.push(JSON.parse(event.data) as Message);
        }
      } catch {
        // Closed by close() or by the gateway.
      }
      client.ended = true;
    })();
    return client;
  }

  get sessionId(): string {
    return new URL(this.messagesUrl).searchParams.get("sessionId") ?? "";
  }

  /** POSTs `body` (a string is sent as is) and returns the status and body text. */
  async post(body: unknown, url = this.messagesUrl): Promise<{ status: number; text: string }> {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  /** Sends a request and waits for its answer on the stream. */
  async request(method: string, params?: unknown, timeoutMs = 10_000): Promise<Message> {
    const id = `t${this.#nextId++}`;
    const posted = await this.post({
      jsonrpc: "2.0",
      id,
      method,
      ...(params === undefined ? {} : { params }),
    });
    if (posted.status !== 202) throw new Error(`POST ${method}: ${posted.status} ${posted.text}`);
    return this.waitForMessage((message) => message.id === id && message.method === undefined, timeoutMs);
  }

  async initialize(): Promise<Message> {
    const answer = await this.request("initialize", {
      protocolVersion: "2024-11-05",
      capabilities: {},
      clientInfo: { name: "corral-test", version: "0" },
    });
    await this.post({ jsonrpc: "2.0", method: "notifications/initialized" });
    return answer;
  }

  waitForMessage(match: (message: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
    return waitFor(() => this.messages.find(match), {
      timeoutMs,
      what: "a message on the legacy SSE stream",
    });
  }

  close(): void {
    this.#aborter.abort();
  }
}
