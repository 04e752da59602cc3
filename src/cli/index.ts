// The composition root: parses the command line and runs one command. The only place that reads
// process.env and process.argv (through bin/corral.js).

import { describeError, isCorralError } from "../core/index.js";
import { type CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./io.js";
import { CORRAL_VERSION } from "./version.js";

export type { CliIo } from "./io.js";

const USAGE = `corral ${CORRAL_VERSION}: supervisor and gateway for MCP servers

Usage:
  corral up [--config FILE] [--host H] [--port P] [--state-dir DIR] [--log-level L] [--log-format pretty|json]
            [--containment auto|pid-namespace|user-pid-namespace|parent-death-signal|process-group]
            [--cgroups auto|v2|v1|none]
  corral validate [FILE] [--json]
  corral ps [--url URL] [--json]
  corral status [--url URL] [--json]                 ok | degraded (exit 0), down (exit 1)
  corral tools [server] [--url URL] [--json]
  corral call <server>.<tool> [--arg key=value …] [--json '{…}'] [--timeout MS] [--output text|json] [--url URL]
  corral logs <server> [-f] [--tail N] [--url URL] [--json]
  corral start|stop|restart <server> [--url URL] [--json]
  corral import <client-config> [--config corral.yaml] [--client K] [--dry-run] [--json]
  corral clients rewrite <client-config> [--config FILE] [--force] [--client K] [--dry-run] [--json] [--connect-command CMD] [--url URL]
            K: claude | cursor | vscode | windsurf (default: from the file's name and content)
  corral connect <server> | --all [--url URL]   stdio MCP server backed by the gateway
  corral version

Config: --config, else ./corral.yaml, else examples/corral.yaml.
Gateway URL for every command but up and validate: --url, else $CORRAL_URL, else http://127.0.0.1:11000.
Docs: README.md and docs/ in the repository.
`;

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

// Each command loads only its own modules: `up` stays a long-lived process, and what the other
// commands import (the SDK client, client-config editing) would sit in its memory for nothing.
const COMMANDS: Record<string, () => Promise<Command>> = {
  up: async () => (await import("./commands/up.js")).runUp,
  validate: async () => (await import("./commands/validate.js")).runValidate,
  ps: async () => (await import("./commands/ps.js")).runPs,
  status: async () => (await import("./commands/status.js")).runStatus,
  tools: async () => (await import("./commands/tools.js")).runTools,
  call: async () => (await import("./commands/call.js")).runCall,
  logs: async () => (await import("./commands/logs.js")).runLogs,
  import: async () => (await import("./commands/import.js")).runImport,
  clients: async () => (await import("./commands/clients.js")).runClients,
  start: async () => (await import("./commands/lifecycle.js")).createLifecycleCommand("start"),
  stop: async () => (await import("./commands/lifecycle.js")).createLifecycleCommand("stop"),
  restart: async () => (await import("./commands/lifecycle.js")).createLifecycleCommand("restart"),
  connect: async () => (await import("./commands/connect.js")).runConnect,
};

export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const io: CliIo = {
    env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
  return runCommand(argv, io);
}

export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    io.stdout(USAGE);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === "version" || command === "--version") {
    io.stdout(`${CORRAL_VERSION}\n`);
    return EXIT_OK;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load === undefined) {
    io.stderr(`corral: unknown command "${command}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    const run = await load();
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr(`corral ${command}: ${describeError(error)}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`corral ${command}: ${isCorralError(error) ? error.message : describeError(error)}\n`);
    return EXIT_FAILURE;
  }
}
