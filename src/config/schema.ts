// The one definition of the config file's shape (strict: unknown keys are errors). It accepts Corral's
// `servers:` + `gateway:`, VS Code's `servers:` + `inputs:`, and the `mcpServers:` of Claude Desktop,
// Cursor and Windsurf; the JSON Schema in config.schema.json is generated from it.
import { z } from "zod";
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_SEPARATOR,
  DEFAULT_STATE_DIR,
  QUOTA_DEFAULTS as Q,
  SERVER_NAME_PATTERN,
} from "./defaults.js";
import {
  describeType,
  describeValue,
  finiteDuration,
  integer,
  isMap,
  positiveNumber,
  size,
  stringList,
  text,
} from "./schema-values.js";
import { serverSchema } from "./server-schema.js";
import { checkSharedNamespaces } from "./shadowing-checks.js";
import { suggestWord } from "./suggest.js";

const SEPARATOR_PATTERN = /^[A-Za-z0-9_.-]{1,8}$/;

const KIB = 1024;

/** docs/security.md#quotas: each key names what it bounds, and every refusal names its key. */
const quotasSchema = z
  .strictObject({
    sessions: integer({
      description: "Client sessions at once, all clients together.",
      min: 1,
      default: Q.sessions,
    }),
    sessionsPerAddress: integer({
      description: "Client sessions at once from one client address.",
      min: 1,
      default: Q.sessionsPerAddress,
    }),
    initializeData: size({
      description:
        "Largest clientInfo a session keeps from its initialize (the rest is not kept); beyond, initialize is refused.",
      default: `${Q.initializeDataBytes / KIB}Ki`,
    }),
    subscriptionsPerSession: integer({
      description: "Resource subscriptions one session holds.",
      min: 1,
      default: Q.subscriptionsPerSession,
    }),
    subscriptionUri: size({
      description: "Longest resource URI a session may subscribe to.",
      default: `${Q.subscriptionUriBytes / KIB}Ki`,
    }),
    batchLength: integer({
      description: "Messages in one JSON-RPC batch (MCP 2025-03-26 and older allow batches).",
      min: 1,
      default: Q.batchLength,
    }),
    inFlightPerSession: integer({
      description: "Requests of one session in flight at once.",
      min: 1,
      default: Q.inFlightPerSession,
    }),
    inFlightPerServer: integer({
      description: "Requests in flight to one server at once, all sessions and instances together.",
      min: 1,
      default: Q.inFlightPerServer,
    }),
    sseStreamsPerSession: integer({
      description:
        "SSE streams one session has open at once (its GET stream and POST answers sent as streams).",
      min: 1,
      default: Q.sseStreamsPerSession,
    }),
    connections: integer({
      description: "Open TCP connections to the gateway's port.",
      min: 1,
      default: Q.connections,
    }),
    streamBuffer: size({
      description: "Bytes queued on a stream whose client does not read; beyond, the stream is ended.",
      default: `${Q.streamBufferBytes / KIB / KIB}Mi`,
    }),
    instanceSharePerAddress: positiveNumber({
      description:
        "Share (at most 1) of a per-session server's maxInstances one non-loopback client address may hold.",
      default: Q.instanceSharePerAddress,
    }).refine((share) => share <= 1, { error: "must be at most 1 (all of maxInstances)" }),
  })
  .partial();

const gatewaySchema = z
  .strictObject({
    host: text({ description: "Address to listen on.", default: DEFAULT_HOST }),
    port: integer({
      description: "TCP port; 0 picks a free one.",
      min: 0,
      max: 65_535,
      default: DEFAULT_PORT,
    }),
    stateDir: text({
      description: "State directory, relative to the config file.",
      default: DEFAULT_STATE_DIR,
    }),
    maxProcesses: integer({
      description: "Budget of processes across all servers. Default: unlimited.",
      min: 1,
    }),
    allowedHosts: stringList({
      description:
        "Host header values accepted besides localhost, 127.0.0.1 and [::1] (DNS rebinding protection).",
    }),
    allowedOrigins: stringList({
      description:
        "Origin header values accepted besides the gateway's own (http://localhost|127.0.0.1|[::1]:<its port>): exact origins, scheme, host and port.",
    }),
    maxBodySize: size({ description: "Largest request body accepted (413 beyond). Default 4Mi." }),
    sessionIdleTimeout: finiteDuration({
      description: "A client session with no request and no open stream for this long is ended. Default 1h.",
      positive: true,
    }),
    readiness: z
      .union(
        [
          z.enum(["all", "any"]),
          z.array(z.string(), { error: "expected a list of server names" }).min(1, {
            error: "list at least one server, or use all or any",
          }),
        ],
        {
          error: (issue) => {
            const hint =
              typeof issue.input === "string" ? suggestWord(issue.input, ["all", "any"]) : undefined;
            return `expected all, any or a list of server names, got ${describeValue(issue.input)}${hint === undefined ? "" : `; did you mean "${hint}"?`}`;
          },
        },
      )
      .meta({
        description:
          "When /readyz answers 200: all (every enabled eager shared server not stopped by an operator can take requests), any (at least one of them can), or a list of server names (each of them can; lazy and per-session servers count only when listed).",
        default: "all",
      }),
    quotas: quotasSchema.meta({
      description: "What clients may hold of the gateway (docs/security.md#quotas).",
    }),
    shadowing: z
      .enum(["refuse", "warn"], {
        error: (issue) => `expected refuse or warn, got ${describeValue(issue.input)}`,
      })
      .meta({
        description:
          "When one server's tool or prompt names, or resource URI templates, would shadow another's on /mcp: refuse leaves the shadowing item out (and rejects a config where it is certain, such as two servers with the same prefix or two with prefix: false); warn only logs it.",
        default: "refuse",
      }),
    separator: z
      .string()
      .regex(SEPARATOR_PATTERN, {
        error: "use 1 to 8 letters, digits, _, . or -",
      })
      .meta({
        description: "Between prefix and tool name in the aggregated catalog.",
        default: DEFAULT_SEPARATOR,
      }),
  })
  .partial();

const serverName = z.string().regex(new RegExp(SERVER_NAME_PATTERN), {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a valid server name; use letters, digits, _ and - (at most 64, starting with a letter or digit)`,
});

const serverMap = (description: string) =>
  z
    .record(serverName, serverSchema, {
      error: (issue) => `expected a map of server names to servers, got ${describeType(issue.input)}`,
    })
    .nullable()
    .meta({ description });

/** Every server a `gateway.readiness` list names must exist: a typo would make /readyz wait forever. */
function checkReadinessNames(
  file: { servers?: unknown; mcpServers?: unknown; gateway?: { readiness?: unknown } | undefined },
  ctx: z.RefinementCtx,
): void {
  const listed = file.gateway?.readiness;
  if (!Array.isArray(listed)) return;
  const servers = isMap(file.servers) ? file.servers : isMap(file.mcpServers) ? file.mcpServers : {};
  const names = Object.keys(servers);
  listed.forEach((name: unknown, index) => {
    if (typeof name !== "string" || names.includes(name)) return;
    const hint = suggestWord(name, names);
    ctx.addIssue({
      code: "custom",
      path: ["gateway", "readiness", index],
      message: `no server named "${name}"${hint === undefined ? `; servers: ${names.join(", ") || "none"}` : `; did you mean "${hint}"?`}`,
    });
  });
}

export const configFileSchema = z
  .strictObject({
    $schema: z.string().meta({ description: "JSON Schema of this file, for editors." }),
    version: z.literal(1, { error: "the only config version is 1" }).meta({ description: "Format version." }),
    servers: serverMap("Servers by name (Corral and VS Code mcp.json)."),
    mcpServers: serverMap("Servers by name (Claude Desktop, Cursor, Windsurf)."),
    gateway: gatewaySchema,
    envFile: text({
      description: `dotenv file (KEY=VALUE lines) with values for \${VAR} references, relative to the config file; the environment wins over it.`,
    }),
    inputs: z.array(z.unknown()).meta({ description: "VS Code input variables; not supported, ignored." }),
  })
  .partial()
  .superRefine(
    (file, ctx) => {
      if (file.servers != null && file.mcpServers != null) {
        ctx.addIssue({
          code: "custom",
          path: ["mcpServers"],
          message: `use "servers" or "mcpServers", not both`,
        });
      }
      checkReadinessNames(file, ctx);
      checkSharedNamespaces(file, ctx);
      const separator =
        typeof file.gateway?.separator === "string" ? file.gateway.separator : DEFAULT_SEPARATOR;
      for (const key of ["servers", "mcpServers"] as const) {
        const servers = file[key];
        if (typeof servers !== "object" || servers === null) continue;
        for (const name of Object.keys(servers)) {
          if (!name.includes(separator)) continue;
          ctx.addIssue({
            code: "custom",
            path: [key, name],
            message: `server name "${name}" contains the separator "${separator}"; rename it or change gateway.separator`,
          });
        }
      }
    },
    { when: (payload) => isMap(payload.value) },
  )
  .meta({
    title: "Corral configuration",
    description: "Servers Corral supervises and how its gateway listens.",
  });

export type ConfigFile = z.output<typeof configFileSchema>;
