// `corral logs <server>`: the server's last stderr lines; `-f` keeps following new ones (SSE) until
// Ctrl-C or the gateway ends the stream. `--json` prints the API's line objects: the whole answer
// without -f, one object per line (NDJSON) with it.
import { parseArgs } from "node:util";
import type { LogLineView } from "../../api/index.js";
import { CorralError } from "../../core/index.js";
import { fetchJson, fetchResponse, resolveGatewayUrl } from "../gateway-client.js";
import { type CliIo, EXIT_OK, UsageError } from "../io.js";
import { readSseEvents } from "../sse-reader.js";

const USAGE = "usage: corral logs <server> [-f] [--tail N] [--json] [--url URL]";

export async function runLogs(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      url: { type: "string" },
      json: { type: "boolean" },
      follow: { type: "boolean", short: "f" },
      tail: { type: "string", short: "n" },
    },
    allowPositionals: true,
    strict: true,
  });
  const [server] = positionals;
  if (server === undefined || positionals.length > 1) throw new UsageError(USAGE);
  if (values.tail !== undefined && !/^\d+$/.test(values.tail)) {
    throw new UsageError(`--tail must be a number of lines, got "${values.tail}"`);
  }
  const url = resolveGatewayUrl(values.url, io.env);
  const query = new URLSearchParams(values.tail === undefined ? {} : { tail: values.tail });
  const endpoint = `${url}/api/v1/mcp/servers/${encodeURIComponent(server)}/logs`;
  const print = (line: LogLineView) =>
    io.stdout(values.json === true ? `${JSON.stringify(line)}\n` : `${line.text}\n`);
  if (values.follow !== true) {
    const body = (await fetchJson(`${endpoint}?${query}`)) as { server: string; lines: LogLineView[] };
    if (values.json === true) io.stdout(`${JSON.stringify(body, null, 2)}\n`);
    else for (const line of body.lines) print(line);
    return EXIT_OK;
  }

  query.set("follow", "1");
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const response = await fetchResponse(`${endpoint}?${query}`, {
      signal: stop.signal,
      headers: { accept: "text/event-stream" },
    });
    if (response.body === null) return EXIT_OK;
    for await (const event of readSseEvents(response.body as unknown as AsyncIterable<Uint8Array>)) {
      if (event.event === "line") print(JSON.parse(event.data) as LogLineView);
    }
  } catch (error) {
    if (stop.signal.aborted) return EXIT_OK;
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (stop.signal.aborted) return EXIT_OK;
  throw new CorralError("GATEWAY_UNREACHABLE", `the gateway at ${url} ended the log stream`);
}
