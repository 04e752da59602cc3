// The composition root: parses the command line and runs one command. The only place that reads
// process.env and process.argv (through bin/corral.js).

import { describeError, escapeControlCharacters, isCorralError } from "../core/index.js";
import { type CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./io.js";
import { asksForHelp, findCommandHelp, OVERVIEW } from "./usage.js";
import { CORRAL_VERSION } from "./version.js";

export type { CliIo } from "./io.js";

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
    // Server-supplied text (stderr lines, reasons, messages) reaches these: no control character
    // but newline and tab gets to the terminal, whatever the command (see escapeControlCharacters).
    stdout: (text) => process.stdout.write(escapeControlCharacters(text, true)),
    stderr: (text) => process.stderr.write(escapeControlCharacters(text, true)),
  };
  return runCommand(argv, io);
}

export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h") {
    io.stdout(OVERVIEW);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === "help") return printHelp(rest, io);
  if (command === "version" || command === "--version") {
    if (asksForHelp(rest)) return printHelp([command], io);
    io.stdout(`${CORRAL_VERSION}\n`);
    return EXIT_OK;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load === undefined) {
    io.stderr(`corral: unknown command "${command}"\n\n${OVERVIEW}`);
    return EXIT_USAGE;
  }
  if (asksForHelp(rest)) return printHelp([command], io);
  try {
    const run = await load();
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr(`corral ${command}: ${describeUsageError(error)}; see corral ${command} --help\n`);
      return EXIT_USAGE;
    }
    io.stderr(`corral ${command}: ${isCorralError(error) ? error.message : describeError(error)}\n`);
    return EXIT_FAILURE;
  }
}

/** `corral help [command]`: the overview, or one command's help; an unknown name is a usage error. */
function printHelp(argv: readonly string[], io: CliIo): number {
  const [name] = argv;
  if (name === undefined) {
    io.stdout(OVERVIEW);
    return EXIT_OK;
  }
  const help = findCommandHelp(name);
  if (help === undefined) {
    io.stderr(`corral help: unknown command "${name}"\n\n${OVERVIEW}`);
    return EXIT_USAGE;
  }
  io.stdout(help);
  return EXIT_OK;
}

/** node:util's parseArgs messages, said the way our other usage errors are (and naming the flag). */
function describeUsageError(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']+)'/.exec(message)?.[1];
    if (flag !== undefined) return `unknown flag ${flag}`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const argument = /'([^']+)'/.exec(message)?.[1];
    if (argument !== undefined) return `unexpected argument "${argument}"`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") return message.replace(/^Option /, "flag ");
  return describeError(error);
}
