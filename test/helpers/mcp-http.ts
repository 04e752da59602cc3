// A small raw Streamable HTTP client for gateway tests: exact control over headers and bodies, JSON
// or SSE answers, the GET stream, and answers to server→client requests.

export type Message = {
  jsonrpc: "2.0";
  id?: string | number | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
};

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** Answers a server→client request that arrives on this request's stream. */
  readonly onServerRequest?: (request: Message) => unknown;
}

export interface Answer extends Message {
  /** Notifications (and server requests) that arrived on the stream before the answer. */
  readonly before: Message[];
}

/** Splits an SSE body into the JSON of its `data:` lines, one message per event. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<Message> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (data !== "") yield JSON.parse(data) as Message;
      end = buffer.indexOf("\n\n");
    }
  }
}

let nextId = 1;

export class McpHttpClient {
  readonly url: string;
  sessionId: string | undefined;
  protocolVersion = "2025-06-18";
  initializeResult: Record<string, unknown> | undefined;

  constructor(url: string) {
    this.url = url;
  }

  static async connect(url: string, capabilities: Record<string, unknown> = {}): Promise<McpHttpClient> {
    const client = new McpHttpClient(url);
    const answer = await client.request("initialize", {
      protocolVersion: client.protocolVersion,
      capabilities,
      clientInfo: { name: "corral-test", version: "0" },
    });
    if (answer.error !== undefined) throw new Error(`initialize failed: ${answer.error.message}`);
    client.initializeResult = answer.result as Record<string, unknown>;
    await client.notify("notifications/initialized");
    return client;
  }

  headers(): Record<string, string> {
    return {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(this.sessionId === undefined
        ? {}
        : { "mcp-session-id": this.sessionId, "mcp-protocol-version": this.protocolVersion }),
    };
  }

  async post(body: unknown, signal?: AbortSignal): Promise<Response> {
    return fetch(this.url, {
      method: "POST",
      headers: this.headers(),
      body: JSON.stringify(body),
      ...(signal === undefined ? {} : { signal }),
    });
  }

  async request(method: string, params?: unknown, options: RequestOptions = {}): Promise<Answer> {
    const id = nextId++;
    const response = await this.post(
      { jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) },
      options.signal,
    );
    const session = response.headers.get("mcp-session-id");
    if (session !== null) this.sessionId = session;
    const type = response.headers.get("content-type") ?? "";
    if (type.includes("application/json")) return { ...((await response.json()) as Message), before: [] };
    if (!type.includes("text/event-stream") || response.body === null) {
      throw new Error(`unexpected answer ${response.status} ${type}: ${await response.text()}`);
    }
    const before: Message[] = [];
    for await (const message of readSse(response.body)) {
      if (message.id === id && message.method === undefined) return { ...message, before };
      before.push(message);
      if (message.method !== undefined && message.id !== undefined && options.onServerRequest !== undefined) {
        const result = await options.onServerRequest(message);
        await this.post({ jsonrpc: "2.0", id: message.id, result });
      }
    }
    throw new Error(`the stream of request ${id} (${method}) ended without an answer`);
  }

  async notify(method: string, params?: unknown): Promise<number> {
    const response = await this.post({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) });
    await response.arrayBuffer();
    return response.status;
  }

  /** Opens the GET stream; messages are pushed to the returned array as they arrive. */
  async openStream(): Promise<{ messages: Message[]; close(): void }> {
    const aborter = new AbortController();
    const response = await fetch(this.url, {
      method: "GET",
      headers: { ...this.headers(), accept: "text/event-stream" },
      signal: aborter.signal,
    });
    if (response.status !== 200 || response.body === null)
      throw new Error(`GET stream refused: ${response.status}`);
    const messages: Message[] = [];
    const body = response.body;
    void (async () => {
      try {
        for await (const message of readSse(body)) messages.push(message);
      } catch {
        // Closed by close() or by the gateway.
      }
    })();
    return { messages, close: () => aborter.abort() };
  }

  async delete(): Promise<number> {
    const response = await fetch(this.url, { method: "DELETE", headers: this.headers() });
    await response.arrayBuffer();
    return response.status;
  }
}

export function textOf(answer: Message): string | undefined {
  return (answer.result as { content?: { text?: string }[] } | undefined)?.content?.[0]?.text;
}
