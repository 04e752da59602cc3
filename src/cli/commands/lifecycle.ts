// `corral start|stop|restart <server>`: ask a running gateway to act on one server.
import { parseArgs } from "node:util";
import { fetchJson, resolveGatewayUrl } from "../gateway-client.js";
import { type CliIo, EXIT_OK, UsageError } from "../io.js";

export function createLifecycleCommand(action: "start" | "stop" | "restart") {
  return async (argv: readonly string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { url: { type: "string" }, json: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
    const [name] = positionals;
    if (name === undefined || positionals.length > 1)
      throw new UsageError(`usage: corral ${action} <server> [--url URL]`);
    const url = `${resolveGatewayUrl(values.url, io.env)}/api/v1/mcp/servers/${encodeURIComponent(name)}/${action}`;
    const body = (await fetchJson(url, 30_000, { method: "POST" })) as { state?: string; reason?: string };
    io.stdout(
      values.json === true
        ? `${JSON.stringify(body)}\n`
        : `${name}: ${body.state ?? "?"} (${body.reason ?? ""})\n`,
    );
    return EXIT_OK;
  };
}
