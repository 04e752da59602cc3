// `corral status`: the gateway as a whole (ok | degraded | down), servers per state, processes,
// client sessions, uptime and version; exit 1 when it is down.
import { parseArgs } from "node:util";
import type { StatusView } from "../../api/index.js";
import { fetchJson, resolveGatewayUrl } from "../gateway-client.js";
import { type CliIo, EXIT_FAILURE, EXIT_OK } from "../io.js";
import { formatFields, formatUptime } from "../table.js";

export async function runStatus(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { url: { type: "string" }, json: { type: "boolean" } },
    strict: true,
  });
  const url = resolveGatewayUrl(values.url, io.env);
  const status = (await fetchJson(`${url}/api/v1/mcp/status`)) as StatusView;
  if (values.json === true) io.stdout(`${JSON.stringify(status, null, 2)}\n`);
  else {
    const states = Object.entries(status.servers.byState)
      .filter(([, count]) => count > 0)
      .map(([state, count]) => `${count} ${state}`)
      .join(", ");
    const rows: [string, string][] = [
      ["status", status.status],
      ["servers", `${status.servers.total}${states === "" ? "" : ` (${states})`}`],
      ["processes", String(status.processes)],
      ["sessions", String(status.sessions)],
      ["uptime", formatUptime(status.uptimeSeconds * 1000)],
      ["version", status.version],
      ["gateway", url],
    ];
    io.stdout(formatFields(rows));
  }
  return status.status === "down" ? EXIT_FAILURE : EXIT_OK;
}
