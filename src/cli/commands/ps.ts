// `corral ps`: the servers of a running gateway as a table (or --json), like `docker ps`.
import { parseArgs } from "node:util";
import type { InstanceView, ServerView } from "../../api/index.js";
import { fetchJson, resolveGatewayUrl } from "../gateway-client.js";
import { type CliIo, EXIT_OK } from "../io.js";
import { formatNextTry } from "../next-try.js";
import { formatBytes, formatTable, formatUptime } from "../table.js";

export async function runPs(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { url: { type: "string" }, json: { type: "boolean" } },
    strict: true,
  });
  const url = resolveGatewayUrl(values.url, io.env);
  const body = (await fetchJson(`${url}/api/v1/mcp/servers`)) as { servers: ServerView[] };
  if (values.json === true) {
    io.stdout(`${JSON.stringify(body.servers, null, 2)}\n`);
    return EXIT_OK;
  }
  const now = Date.now();
  const rows = body.servers.map((server) => {
    const running = server.instances.filter((instance) => instance.pid !== null);
    const first = running[0];
    const memory = running.reduce((sum, instance) => sum + (instance.memoryBytes ?? 0), 0);
    const live = server.instances.filter(
      (instance) => instance.state === "ready" || instance.state === "degraded",
    );
    const note = server.state === "ready" ? "" : `${server.reason}${formatNextTry(server, now)}`;
    return [
      server.name,
      server.held ? `${server.state} (held)` : server.state,
      `${live.length}/${server.desiredInstances}`,
      first?.pid === undefined || first.pid === null ? "-" : String(first.pid),
      first === undefined ? "-" : formatUptime(now - Date.parse(first.since)),
      String(server.instances.reduce((sum, instance) => sum + instance.restarts, 0)),
      running.length === 0 ? "-" : formatMemory(memory, first?.limits ?? null),
      server.tools === null ? "-" : String(server.tools),
      note,
    ];
  });
  io.stdout(formatTable(["NAME", "STATE", "INST", "PID", "UPTIME", "RESTARTS", "MEMORY", "TOOLS", ""], rows));
  return EXIT_OK;
}

/** "42 MiB", or against its limit: "42 MiB / 256 MiB", "… (advisory)" when only polling keeps it. */
function formatMemory(bytes: number, limits: InstanceView["limits"]): string {
  if (limits === null || limits.memoryBytes === null) return formatBytes(bytes);
  const advisory = limits.enforcement.memory === "advisory" ? " (advisory)" : "";
  return `${formatBytes(bytes)} / ${formatBytes(limits.memoryBytes)}${advisory}`;
}
