// The reference ceiling for any HTTP gateway: a bare node:http server that answers the Streamable HTTP
// echo exchange itself, with no upstream at all. Prints `bench-listening 127.0.0.1:<port>`.

import { serveBareMcp } from "./bare-server.mjs";

serveBareMcp({
  initializeResult: (message) => ({
    protocolVersion: message.params.protocolVersion,
    capabilities: { tools: {} },
    serverInfo: { name: "bare-http-echo", version: "0.0.0" },
  }),
  answer: (message) => {
    const result =
      message.method === "tools/call"
        ? { content: [{ type: "text", text: `Echo: ${message.params.arguments.message}` }] }
        : {};
    return JSON.stringify({ jsonrpc: "2.0", id: message.id, result });
  },
});
process.on("SIGTERM", () => process.exit(0));
