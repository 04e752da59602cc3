// What `corral --help` and `corral <command> --help` print: the overview, and per command its
// synopsis, flags with their defaults, and an example. One table, so help and usage errors agree.
import { CORRAL_VERSION } from "./version.js";

const URL_FLAG = "  --url URL          the gateway (default: $CORRAL_URL, else http://127.0.0.1:11000)";

const COMMAND_HELP: Readonly<Record<string, string>> = {
  up: `Usage: corral up [flags]

Start the gateway: load the config, start its servers, serve MCP and REST on one port. SIGINT or
SIGTERM drain and exit 0; SIGHUP is logged and ignored.

Flags:
  -c, --config FILE    config (default: ./corral.yaml, corral.yml, corral.json, else examples/corral.yaml)
  --host H             address to listen on (default: the config's gateway.host, 127.0.0.1)
  -p, --port P         port; 0 picks a free one (default: the config's gateway.port, 11000)
  --state-dir DIR      pid records and locks (default: .corral/ beside the config)
  --log-level L        trace|debug|info|warn|error|fatal|silent (default: $CORRAL_LOG_LEVEL, else info)
  --log-format F       pretty|json (default: $CORRAL_LOG_FORMAT, else pretty)
  --containment K      auto|pid-namespace|user-pid-namespace|parent-death-signal|process-group (default: auto)
  --cgroups M          auto|v2|v1|none (default: auto)

Example:
  corral up --config corral.yaml --port 11000
`,
  validate: `Usage: corral validate [FILE] [flags]

Check a config the way corral up loads it, printing every problem at once (exit 1). Without FILE,
checks ./corral.yaml (or corral.yml, corral.json); with none of those it is a usage error (exit 2).

Flags:
  -c, --config FILE    the same as FILE (default: ./corral.yaml, corral.yml or corral.json)
  --json               print the result as JSON

Example:
  corral validate corral.yaml
`,
  ps: `Usage: corral ps [flags]

The servers of a running gateway: state, instances, pid, uptime, restarts, memory, tools.

Flags:
${URL_FLAG}
  --json               the API's server objects

Example:
  corral ps --json
`,
  status: `Usage: corral status [flags]

The gateway as a whole: ok | degraded (exit 0), down (exit 1); servers per state, processes,
sessions, uptime, version.

Flags:
${URL_FLAG}
  --json               the API's status object

Example:
  corral status
`,
  tools: `Usage: corral tools [server] [flags]

The catalog: each tool's name on /mcp, its server and its own name; one server's with [server].

Flags:
${URL_FLAG}
  --json               the API's tool objects, schemas included

Example:
  corral tools memory
`,
  call: `Usage: corral call <server>.<tool> [flags]

Call one tool and print its result: text content to stdout, or the tool's error to stderr (exit 1).
Progress the tool reports is shown on stderr while the call runs.

Flags:
  -a, --arg key=value  one argument; repeatable. A string where the tool's schema wants one, else
                       JSON when it parses as JSON
  --json '{…}'         the arguments as one JSON object (--arg values override its keys)
  --timeout MS         milliseconds to wait for the answer (default: the server's requestTimeout)
  -o, --output F       text|json; json prints {server, tool, result, durationMs} (default: text)
${URL_FLAG}

Example:
  corral call memory.search_nodes --arg query=alice
`,
  logs: `Usage: corral logs <server> [flags]

The server's last stderr lines; -f keeps following new ones until Ctrl-C.

Flags:
  -f, --follow         follow new lines
  -n, --tail N         how many of the last lines (default: 100)
  --json               line objects (NDJSON with -f)
${URL_FLAG}

Example:
  corral logs memory -f
`,
  start: lifecycleHelp("start", "Start a stopped server (a no-op when it is running)."),
  stop: lifecycleHelp("stop", "Stop a server through its stop ladder (a no-op when it is stopped)."),
  restart: lifecycleHelp("restart", "Restart a server; revives a failed one."),
  import: `Usage: corral import <client-config> [flags]

Add the MCP servers of a Claude Desktop, Cursor, VS Code or Windsurf config to corral.yaml. Servers
defined differently there are conflicts, reported and not touched (exit 1). Secrets (env values and
headers named like credentials, URLs with userinfo or a query) go to the config's envFile (corral.env
beside it, mode 0600) and the YAML refers to them as \${VAR}; no secret value is printed.

Flags:
  -c, --config FILE    the corral config to write (default: ./corral.yaml)
  --client K           claude|cursor|vscode|windsurf (default: from the file's name and content)
  --dry-run            show what would change, change nothing
  --json               the plan as JSON

Example:
  corral import ~/.cursor/mcp.json --dry-run
`,
  clients: `Usage: corral clients rewrite <client-config> [flags]

Point a client's MCP servers at the gateway, after a backup of its config. A server is rewritten only
when the gateway's config defines it the same way; a different one is reported and kept (exit 1)
unless --force. Comments and the client's own keys are kept.

Flags:
  -c, --config FILE    the gateway's config to compare with (default: ./corral.yaml)
  --force              rewrite servers defined differently in the gateway's config too
  --client K           claude|cursor|vscode|windsurf (default: from the file's name and content)
  --dry-run            show what would change, change nothing
  --json               the plan as JSON
  --connect-command C  the command stdio-only clients run (default: corral)
${URL_FLAG}

Example:
  corral clients rewrite ~/.cursor/mcp.json --dry-run
`,
  connect: `Usage: corral connect <server> | --all [flags]

A stdio MCP server backed by the running gateway, for clients that only spawn commands: MCP
messages on stdin and stdout, logs on stderr; exit 0 when stdin ends. An unknown server or an
unreachable gateway is an error at once (exit 1).

Flags:
  --all                every server's tools, prefixed server__tool (the gateway's /mcp)
${URL_FLAG}

Example:
  corral connect memory
`,
  version: `Usage: corral version

Print corral's version.
`,
  help: `Usage: corral help [command]

Print the overview, or one command's synopsis, flags and an example (the same as corral <command> --help).
`,
};

function lifecycleHelp(action: string, what: string): string {
  const waits = action === "stop" ? "" : " [--wait [--timeout DURATION]]";
  const waitFlags =
    action === "stop"
      ? ""
      : `  --wait               wait until the server is ready (exit 0), or failed or in backoff (exit 1,
                       with its reason); prints the final state
  --timeout DURATION   how long --wait waits, e.g. 30s, 2m (default: 60s); exit 1 when it runs out
`;
  return `Usage: corral ${action} <server>${waits} [flags]

${what}

Flags:
${waitFlags}  --json               the API's answer (with --wait: the server's final state)
${URL_FLAG}

Example:
  corral ${action} memory${action === "stop" ? "" : " --wait --timeout 30s"}
`;
}

export const OVERVIEW = `corral ${CORRAL_VERSION}: supervisor and gateway for MCP servers

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
  corral start|restart <server> [--wait [--timeout DURATION]] [--url URL] [--json]
  corral stop <server> [--url URL] [--json]
  corral import <client-config> [--config corral.yaml] [--client K] [--dry-run] [--json]
  corral clients rewrite <client-config> [--config FILE] [--force] [--client K] [--dry-run] [--json] [--connect-command CMD] [--url URL]
            K: claude | cursor | vscode | windsurf (default: from the file's name and content)
  corral connect <server> | --all [--url URL]   stdio MCP server backed by the gateway
  corral version
  corral help [command]                          one command's flags, defaults and an example

Config (up): --config, else ./corral.yaml, else examples/corral.yaml.
Gateway URL for every command but up and validate: --url, else $CORRAL_URL, else http://127.0.0.1:11000.
Docs: README.md and docs/ in the repository.
`;

/** The help text of one command, or undefined for a name that is not a command. */
export function findCommandHelp(command: string): string | undefined {
  return Object.hasOwn(COMMAND_HELP, command) ? COMMAND_HELP[command] : undefined;
}

/** True when the arguments ask for help: `--help` or `-h` before a `--` terminator. */
export function asksForHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}
