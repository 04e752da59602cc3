// The HTTP side both ceilings share (bare-http, bare-relay): a node:http server that takes Streamable
// HTTP POSTs and nothing else a gateway does. Notifications get 202, initialize gets a fresh session id
// and `initializeResult(message)`, every other request the text `answer(message)` returns (a string,
// or a promise of one: a synchronous answer stays synchronous). Prints `bench-listening <address>`.

import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

export function serveBareMcp({ initializeResult, answer }) {
  const server = createServer((request, response) => {
    if (request.method !== "POST") {
      response.writeHead(request.method === "DELETE" ? 200 : 405).end();
      return;
    }
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const message = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      if (message.id === undefined) {
        response.writeHead(202).end();
        return;
      }
      const headers = { "content-type": "application/json" };
      const send = (text) => {
        headers["content-length"] = Buffer.byteLength(text);
        response.writeHead(200, headers).end(text);
      };
      if (message.method === "initialize") {
        headers["mcp-session-id"] = randomUUID();
        send(JSON.stringify({ jsonrpc: "2.0", id: message.id, result: initializeResult(message) }));
        return;
      }
      const text = answer(message);
      if (typeof text === "string") send(text);
      else text.then(send);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    const { address, port } = server.address();
    process.stdout.write(`bench-listening ${address}:${port}\n`);
  });
  return server;
}
