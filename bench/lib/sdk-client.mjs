// The official client: the MCP TypeScript SDK's Client over its Streamable HTTP or stdio transport,
// as an application would use it (result validation included).

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { checkEchoResult, echoParams } from "./messages.mjs";

const CALL_TIMEOUT_MS = 15_000;

function wrap(client, pid, transport) {
  return {
    pid,
    async callEcho(message) {
      const result = await client.callTool(echoParams(message), undefined, { timeout: CALL_TIMEOUT_MS });
      return checkEchoResult(result, message);
    },
    abort() {
      // The SDK's own request timeout ends a call that takes too long.
    },
    async close() {
      // An HTTP session is ended explicitly (DELETE), so per-session gateways free its process.
      if (transport instanceof StreamableHTTPClientTransport)
        await transport.terminateSession().catch(() => {});
      await client.close().catch(() => {});
    },
  };
}

export async function connectSdkHttp(url) {
  const client = new Client({ name: "corral-bench-sdk", version: "0" });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return wrap(client, undefined, transport);
}

/** Spawns the server through the SDK's stdio transport (one process per client, as direct). */
export async function connectSdkStdio({ command, args, env }) {
  const client = new Client({ name: "corral-bench-sdk", version: "0" });
  const transport = new StdioClientTransport({ command, args, env, stderr: "ignore" });
  await client.connect(transport);
  return wrap(client, transport.pid ?? undefined, transport);
}
