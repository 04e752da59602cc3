// `corral validate [FILE]`: the same load path as `corral up`, printing every problem at once. With no
// FILE and no ./corral.yaml it is a usage error rather than a check of some other file.
import { parseArgs } from "node:util";
import { formatConfigIssues, loadConfigFile } from "../../config/index.js";
import { DEFAULT_CONFIG_NAMES, findConfigPath } from "../config-path.js";
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError } from "../io.js";

export async function runValidate(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { config: { type: "string", short: "c" }, json: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1) throw new UsageError("usage: corral validate [FILE] [--json]");
  const path = findConfigPath(positionals[0] ?? values.config, io.cwd);
  if (path === undefined) {
    const [first, ...others] = DEFAULT_CONFIG_NAMES;
    throw new UsageError(
      `no ./${first} in ${io.cwd} (nor ${others.join(" or ")}); pass the file to check: corral validate FILE`,
    );
  }
  const result = await loadConfigFile(path, { env: io.env });
  if (values.json === true) {
    io.stdout(
      `${JSON.stringify(result.ok ? { ok: true, servers: result.config.servers.map((s) => s.name), warnings: result.warnings } : result, null, 2)}\n`,
    );
    return result.ok ? EXIT_OK : EXIT_FAILURE;
  }
  if (!result.ok) {
    io.stderr(`${formatConfigIssues(result.issues)}\n`);
    return EXIT_FAILURE;
  }
  if (result.warnings.length > 0) io.stderr(`${formatConfigIssues(result.warnings, "warning")}\n`);
  const count = result.config.servers.length;
  io.stdout(
    `${path}: ok, ${count} server${count === 1 ? "" : "s"} (${result.config.servers.map((s) => s.name).join(", ")})\n`,
  );
  return EXIT_OK;
}
