// The reference ceiling for any HTTP gateway: a bare node:http server that answers the Streamable HTTP
// echo exchange itself, with no upstream at all. Prints `bench-listening 127.0.0.1:<port>`.

import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

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
    let result;
    if (message.method === "initialize") {
      headers["mcp-session-id"] = randomUUID();
      result = {
        protocolVersion: message.params.protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: "bare-http-echo", version: "0.0.0" },
      };
    } else if (message.method === "tools/call") {
      result = { content: [{ type: "text", text: `Echo: ${message.params.arguments.message}` }] };
    } else {
      result = {};
    }
    const text = JSON.stringify({ jsonrpc: "2.0", id: message.id, result });
    headers["content-length"] = Buffer.byteLength(text);
    response.writeHead(200, headers).end(text);
  });
});

server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const { address, port } = server.address();
  process.stdout.write(`bench-listening ${address}:${port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
