// Links to remote servers (`transport: http` = Streamable HTTP, `sse` = legacy HTTP+SSE) through the
// MCP SDK's client transports. The supervisor runs them like processes: handshake, ping health,
// and on a lost connection the same backoff and reconnect.

import type { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { ServerConfig } from "../config/index.js";
import { describeError, redactUrl, redactUrlsInText } from "../core/index.js";
import type { Link, LinkCallbacks, LinkEnd } from "../supervisor/index.js";

type Transport = StreamableHTTPClientTransport | SSEClientTransport;

const CONTROL_PREFIX = "corral:";

/**
 * The URL to connect to and the headers to send. fetch refuses a URL with credentials in it, so
 * userinfo becomes Basic auth (unless the config sets Authorization itself) and leaves the URL that
 * the SDK may quote in its errors.
 */
export function splitCredentials(
  url: string,
  headers: Readonly<Record<string, string>>,
): { url: URL; headers: Record<string, string> } {
  const parsed = new URL(url);
  const own = { ...headers };
  if (parsed.username !== "" || parsed.password !== "") {
    const hasAuthorization = Object.keys(own).some((name) => name.toLowerCase() === "authorization");
    if (!hasAuthorization) {
      const pair = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
      own.Authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
    }
    parsed.username = "";
    parsed.password = "";
  }
  return { url: parsed, headers: own };
}

// The SDK's client transports load with the first remote server: a config of local processes only
// never pays the few MiB of RSS they cost.
async function createTransport(server: ServerConfig): Promise<Transport> {
  if (server.url === undefined) throw new Error(`server "${server.name}" has no url`);
  const { url, headers } = splitCredentials(server.url, server.headers);
  const requestInit: RequestInit = { headers };
  if (server.transport === "sse") {
    const { SSEClientTransport } = await import("@modelcontextprotocol/sdk/client/sse.js");
    // The event stream needs the headers too (auth tokens): give EventSource a fetch that adds them.
    return new SSEClientTransport(url, {
      requestInit,
      eventSourceInit: {
        fetch: (input, init) =>
          fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
      },
    });
  }
  const { StreamableHTTPClientTransport } = await import(
    "@modelcontextprotocol/sdk/client/streamableHttp.js"
  );
  return new StreamableHTTPClientTransport(url, { requestInit });
}

export async function openRemoteLink(
  server: ServerConfig,
  callbacks: LinkCallbacks,
  signal: AbortSignal,
): Promise<Link> {
  const transport = await createTransport(server);
  let endInfo: LinkEnd | undefined;
  let resolveEnded: (end: LinkEnd) => void = () => {};
  const ended = new Promise<LinkEnd>((resolve) => {
    resolveEnded = resolve;
  });
  const end = (reason: string) => {
    if (endInfo !== undefined) return;
    endInfo = { reason };
    resolveEnded(endInfo);
    void transport.close().catch(() => {});
  };
  transport.onmessage = (message) => {
    const result = (message as { id?: unknown; result?: { protocolVersion?: unknown } }).result;
    const id = (message as { id?: unknown }).id;
    // Later requests must carry the negotiated version (MCP-Protocol-Version header).
    if (
      typeof id === "string" &&
      id.startsWith(CONTROL_PREFIX) &&
      typeof result?.protocolVersion === "string"
    ) {
      transport.setProtocolVersion(result.protocolVersion);
    }
    callbacks.onLine(Buffer.from(JSON.stringify(message)));
  };
  // What the transports say may quote the URL, query token included: it goes to logs and reasons.
  const describe = (error: unknown) => redactUrlsInText(describeError(error));
  transport.onerror = (error) => callbacks.onDiagnostic(`transport: ${describe(error)}`);
  transport.onclose = () => end("connection closed");
  const onAbort = () => end("stopped while connecting");
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await transport.start();
  } catch (error) {
    end(`connection failed: ${describe(error)}`);
    throw new Error(`cannot connect to ${redactUrl(server.url ?? "")}: ${describe(error)}`);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  return {
    pid: undefined,
    record: undefined,
    ended,
    get endInfo() {
      return endInfo;
    },
    writeLine(line) {
      if (endInfo !== undefined) return false;
      const text = typeof line === "string" ? line : Buffer.concat(line).toString("utf8");
      transport.send(JSON.parse(text) as JSONRPCMessage).catch((error: unknown) => {
        end(`connection lost: ${describe(error)}`);
      });
      return true;
    },
    async terminate() {
      const startedAt = Date.now();
      if (endInfo === undefined) {
        if ("terminateSession" in transport) await transport.terminateSession().catch(() => {});
        end("closed by corral");
        return { rung: "closed", durationMs: Date.now() - startedAt };
      }
      return { rung: "already-exited", durationMs: 0 };
    },
  };
}
