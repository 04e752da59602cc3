// `corral tools [server]`: the catalog of a running gateway, with each tool's name on /mcp and its
// server's own name; `--json` prints the API's tool objects (schemas included).
import { parseArgs } from "node:util";
import type { ToolView } from "../../api/index.js";
import { fetchJson, resolveGatewayUrl } from "../gateway-client.js";
import { type CliIo, EXIT_OK, UsageError } from "../io.js";
import { formatTable } from "../table.js";

const DESCRIPTION_WIDTH = 60;

function firstLine(text: string | undefined): string {
  const line = (text ?? "").split("\n")[0]?.trim() ?? "";
  return line.length > DESCRIPTION_WIDTH ? `${line.slice(0, DESCRIPTION_WIDTH - 1)}…` : line;
}

export async function runTools(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { url: { type: "string" }, json: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1) throw new UsageError("usage: corral tools [server] [--url URL] [--json]");
  const [server] = positionals;
  const url = resolveGatewayUrl(values.url, io.env);
  const query = server === undefined ? "" : `?server=${encodeURIComponent(server)}`;
  const body = (await fetchJson(`${url}/api/v1/mcp/tools${query}`)) as {
    tools: ToolView[];
    unlisted: { server: string; state: string; reason: string }[];
  };
  if (values.json === true) {
    io.stdout(`${JSON.stringify(body.tools, null, 2)}\n`);
    return EXIT_OK;
  }
  const rows = body.tools.map((tool) => [
    tool.exposedName,
    tool.server,
    tool.name,
    firstLine(tool.description),
  ]);
  io.stdout(formatTable(["NAME", "SERVER", "TOOL", "DESCRIPTION"], rows));
  for (const missing of body.unlisted) {
    io.stderr(`${missing.server}: tools not known yet (${missing.state}: ${missing.reason})\n`);
  }
  return EXIT_OK;
}
