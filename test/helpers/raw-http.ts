// Raw JSON-RPC POSTs for quota tests: from a chosen local address (127.0.0.2 is another client to
// the gateway), on a fresh connection each (no keep-alive pool to blur connection counts).
import { request as httpRequest } from "node:http";
import type { Message } from "./mcp-http.js";

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body as JSON, when it is JSON. */
  readonly json: (Message & { error?: { data?: Record<string, unknown> } }) | undefined;
}

export interface RawOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly localAddress?: string;
}

export function rawRequest(url: string, body: unknown, options: RawOptions = {}): Promise<RawAnswer> {
  const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: options.method ?? "POST",
        agent: false,
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...options.headers,
        },
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (response) => {
        let answer = "";
        response.setEncoding("utf8").on("data", (chunk: string) => {
          answer += chunk;
        });
        response.on("end", () => {
          let json: RawAnswer["json"];
          try {
            json = JSON.parse(answer) as RawAnswer["json"];
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text: answer, json });
        });
      },
    );
    request.on("error", reject);
    request.end(text);
  });
}

/** An initialize body; `clientInfo` and `capabilities` as given. */
export function initializeBody(
  options: { clientInfo?: unknown; capabilities?: unknown; protocolVersion?: string } = {},
): unknown {
  return {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: options.protocolVersion ?? "2025-06-18",
      capabilities: options.capabilities ?? {},
      clientInfo: options.clientInfo ?? { name: "quota-test", version: "0" },
    },
  };
}
