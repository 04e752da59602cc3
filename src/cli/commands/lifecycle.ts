// `corral start|stop|restart <server>`: ask a running gateway to act on one server. Starting a
// running server or stopping a stopped one is not an error ("already ready", exit 0), as with docker.
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
      throw new UsageError(`usage: corral ${action} <server> [--url URL] [--json]`);
    const url = `${resolveGatewayUrl(values.url, io.env)}/api/v1/mcp/servers/${encodeURIComponent(name)}/${action}`;
    // The stop ladder can take stop.stdinGrace + stop.termGrace before the gateway answers.
    const body = (await fetchJson(url, 30_000, { method: "POST" })) as {
      changed?: boolean;
      state?: string;
      reason?: string;
    };
    const already = body.changed === false ? "already " : "";
    io.stdout(
      values.json === true
        ? `${JSON.stringify(body)}\n`
        : `${name}: ${already}${body.state ?? "?"} (${body.reason ?? ""})\n`,
    );
    return EXIT_OK;
  };
}
