// The composition root: parses the command line and runs one command. The only place that reads
// process.env and process.argv (through bin/corral.js).

import { describeError, isCorralError } from "../core/index.js";
import { runCall } from "./commands/call.js";
import { runClients } from "./commands/clients.js";
import { runConnect } from "./commands/connect.js";
import { runImport } from "./commands/import.js";
import { createLifecycleCommand } from "./commands/lifecycle.js";
import { runLogs } from "./commands/logs.js";
import { runPs } from "./commands/ps.js";
import { runStatus } from "./commands/status.js";
import { runTools } from "./commands/tools.js";
import { runUp } from "./commands/up.js";
import { runValidate } from "./commands/validate.js";
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
  corral clients rewrite <client-config> [--client K] [--dry-run] [--json] [--connect-command CMD] [--url URL]
            K: claude | cursor | vscode | windsurf (default: from the file's name and content)
  corral connect <server> | --all [--url URL]   stdio MCP server backed by the gateway
  corral version

Config: --config, else ./corral.yaml, else examples/corral.yaml.
Gateway URL for every command but up and validate: --url, else $CORRAL_URL, else http://127.0.0.1:11000.
Docs: README.md and docs/ in the repository.
`;

const COMMANDS: Record<string, (argv: readonly string[], io: CliIo) => Promise<number>> = {
  up: runUp,
  validate: runValidate,
  ps: runPs,
  status: runStatus,
  tools: runTools,
  call: runCall,
  logs: runLogs,
  import: runImport,
  clients: runClients,
  start: createLifecycleCommand("start"),
  stop: createLifecycleCommand("stop"),
  restart: createLifecycleCommand("restart"),
  connect: (argv, io) => runConnect(argv, io),
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
  const run = COMMANDS[command];
  if (run === undefined) {
    io.stderr(`corral: unknown command "${command}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
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
