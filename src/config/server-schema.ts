// The shape of one server entry. The same entry is accepted under Corral's `servers:`, VS Code's
// `servers:` and the `mcpServers:` of Claude Desktop, Cursor and Windsurf, so the few keys those clients
// use (`type`, `serverUrl`, `autoApprove`, `alwaysAllow`) are accepted here too.
import { z } from "zod";
import { SERVER_DEFAULTS as D, DEFAULT_SEPARATOR } from "./defaults.js";
import { formatDuration } from "./duration.js";
import {
  describeValue,
  duration,
  finiteDuration,
  flag,
  integer,
  isMap,
  oneOf,
  stringList,
  stringMap,
  text,
} from "./schema-values.js";
import { checkServer } from "./server-checks.js";
import {
  healthSchema,
  limitsSchema,
  restartSchema,
  sandboxSchema,
  stopSchema,
  toolsSchema,
} from "./server-sections.js";

const ms = formatDuration;

const transports = ["stdio", "http", "sse"] as const;
const ignored = z.unknown().meta({ description: "Accepted for compatibility with MCP clients; ignored." });

export const serverSchema = z
  .strictObject({
    runtime: oneOf(["process", "container"], {
      description: "Run the server as a process of this host, or in a container (Docker Engine API).",
      default: D.runtime,
    }),
    command: text({ description: "Executable to run (stdio); looked up in PATH." }),
    args: stringList({
      description: "Arguments of the command; for a container, the command after the image's entrypoint.",
      scalars: true,
    }),
    env: stringMap({ description: "Environment of the process or container; wins over envFile." }),
    image: text({ description: "Image of a runtime: container server, e.g. node:20-alpine." }),
    network: oneOf(["none", "bridge", "host"], {
      description: "Network of a runtime: container server.",
      default: D.container.network,
    }),
    pull: oneOf(["missing", "always", "never"], {
      description: "When a runtime: container server's image is pulled before the container starts.",
      default: D.container.pull,
    }),
    user: text({
      description: `User of a runtime: container server ("uid:gid" or a name in the image). Default: the image's USER unless it is root, else 65534:65534 (nobody).`,
    }),
    readOnlyRoot: flag({
      description: "Mount a runtime: container server's root filesystem read-only (/tmp is a tmpfs).",
      default: D.container.readOnlyRoot,
    }),
    envFile: text({ description: "dotenv file (KEY=VALUE lines), relative to the config file." }),
    inheritEnv: stringList({ description: "Names of gateway environment variables passed through." }),
    cwd: text({ description: "Working directory, relative to the config file. Default: its folder." }),
    transport: oneOf(transports, {
      description:
        "stdio, or http / sse for a server reached by URL. Default: stdio, or http when only url is given.",
    }),
    type: oneOf([...transports, "streamable-http", "streamableHttp"], {
      description: "Alias of transport used by VS Code, Cursor and Claude Code.",
    }),
    url: text({ description: "http(s) URL of a remote server." }),
    serverUrl: text({ description: "Alias of url used by Windsurf." }),
    headers: stringMap({ description: "HTTP headers sent to a remote server." }),
    mode: oneOf(["shared", "per-session"], {
      description: "One process for all clients, or one per client session.",
      default: D.mode,
    }),
    replicas: integer({
      description: "Shared processes to balance requests over.",
      min: 1,
      default: D.replicas,
    }),
    maxInstances: integer({
      description: "Cap on running instances of this server.",
      min: 1,
      default: D.maxInstances,
    }),
    idleTimeout: duration({
      description: "Stop an instance idle this long. Default: never for shared, 10m for per-session.",
      never: true,
    }),
    start: oneOf(["eager", "lazy"], {
      description: "Start with the gateway, or on first use.",
      default: D.start,
    }),
    restart: restartSchema,
    stop: stopSchema,
    health: healthSchema,
    startupTimeout: finiteDuration({
      description: "Longest wait for the initialize handshake.",
      positive: true,
      default: ms(D.startupTimeoutMs),
    }),
    requestTimeout: finiteDuration({
      description: "Longest wait for a reply to one request.",
      positive: true,
      default: ms(D.requestTimeoutMs),
    }),
    limits: limitsSchema,
    sandbox: sandboxSchema,
    tools: toolsSchema,
    prefix: z
      .union(
        [text({ description: "Prefix of this server's names in the aggregated catalog." }), z.literal(false)],
        {
          error: (issue) => `expected a string or false, got ${describeValue(issue.input)}`,
        },
      )
      .meta({
        description: `Prefix in the aggregated catalog (prefix${DEFAULT_SEPARATOR}tool); false leaves names untouched. Default: the server's name.`,
      }),
    disabled: flag({ description: "Keep the entry but never start it.", default: false }),
    autoApprove: ignored,
    alwaysAllow: ignored,
  })
  .partial()
  // Cross-key rules run even when some keys are invalid, so that every problem shows at once.
  .superRefine(checkServer, { when: (payload) => isMap(payload.value) })
  // An id puts the entry once under $defs, shared by `servers` and `mcpServers`.
  .meta({
    id: "server",
    description:
      "One MCP server: a command to run (stdio), an image to run (container) or a URL (http, sse).",
  });

export type ServerInput = z.output<typeof serverSchema>;
export const IGNORED_SERVER_KEYS = ["autoApprove", "alwaysAllow"] as const;
