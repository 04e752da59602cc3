// The OpenAPI 3.1 description of the REST API (served at /api/v1/openapi.json). docs/api.md is the
// prose; a test validates this document and calls every route in it.

import { INSTANCE_STATES, TRANSITION_KINDS } from "../supervisor/index.js";
import { REST_STATUS } from "./error-responses.js";
import { MAX_TIMEOUT_MS } from "./execute.js";
import { DEFAULT_TAIL, MAX_TAIL } from "./logs.js";

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, "null"], ...extra });
/** A closed object: the documented shapes are exact, and the tests hold the answers to them. */
const object = (properties: Record<string, Schema>, optional: readonly string[] = []): Schema => ({
  type: "object",
  required: Object.keys(properties).filter((key) => !optional.includes(key)),
  properties,
  additionalProperties: false,
});
const json = (schema: Schema, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const STATUS_TEXT: Record<number, string> = {
  400: "Bad input: a malformed body, an unknown field, a bad query parameter, or arguments that do not match the tool's inputSchema (`errors` lists each problem).",
  403: "The Host or Origin header is not allowed (DNS-rebinding protection; Origins match exactly).",
  404: "No such server or tool.",
  409: "The request conflicts with the server's configuration or state: it is disabled; per-session (for /execute and start); or stopping (for start). `state` is in the body.",
  413: "The body is larger than gateway.maxBodySize.",
  415: "A write without Content-Type: application/json (send `{}` when there is nothing to say).",
  502: "The server answered with a JSON-RPC error (`rpcError`), or its process ended during the call.",
  503: "The server cannot take requests now: its `state`, `reason` and `retryAt` are in the body; answered at once.",
  504: "No answer within `timeoutMs` (or the server's requestTimeout); the server was sent notifications/cancelled.",
};

function errors(...statuses: number[]): Record<string, unknown> {
  return Object.fromEntries(
    [403, ...statuses].map((status) => [String(status), json(ref("Error"), STATUS_TEXT[status] ?? "")]),
  );
}

const nameParameter = {
  name: "name",
  in: "path",
  required: true,
  description: "The server's name in the config.",
  schema: { type: "string" },
};

const schemas: Record<string, Schema> = {
  Error: object({
    error: {
      type: "object",
      required: ["code", "message"],
      additionalProperties: false,
      properties: {
        code: { type: "string", enum: Object.keys(REST_STATUS), description: "See docs/errors.md." },
        message: { type: "string" },
        server: { type: "string" },
        state: nullable("string", { description: "503 and 409: the server's state." }),
        reason: nullable("string", { description: "503: why it is in that state." }),
        retryAt: nullable("string", { format: "date-time", description: "503: the next restart attempt." }),
        held: {
          type: "boolean",
          description: "503: true when an operator stopped the server (start it to use it again).",
        },
        errors: { type: "array", items: ref("ArgumentProblem"), description: "400 INVALID_ARGUMENTS" },
        rpcError: { type: "object", description: "502 UPSTREAM_ERROR: the server's JSON-RPC error." },
        allow: { type: "string", description: "405: the methods the path takes (also the Allow header)." },
      },
    },
  }),
  ArgumentProblem: object({
    path: { type: "string", description: "JSON Pointer into the arguments." },
    message: { type: "string" },
    keyword: { type: "string" },
    params: { type: "object" },
  }),
  State: { type: "string", enum: [...INSTANCE_STATES] },
  ReasonKind: {
    type: "string",
    enum: [...TRANSITION_KINDS],
    description:
      "Why the last state change happened, as data (docs/supervisor.md); `reason` says it for people.",
  },
  Instance: object({
    id: { type: "string" },
    state: ref("State"),
    reason: { type: "string" },
    reasonKind: ref("ReasonKind"),
    since: { type: "string", format: "date-time" },
    pid: nullable("integer"),
    restarts: { type: "integer" },
    memoryBytes: nullable("integer", {
      description:
        "Memory of the instance: its cgroup's accounting, else the resident memory of its process tree.",
    }),
    cpuSeconds: nullable("number"),
    nextAttemptAt: nullable("string", { format: "date-time" }),
    limits: {
      oneOf: [
        { type: "null" },
        object({
          memoryBytes: nullable("integer"),
          cpu: nullable("number"),
          pids: nullable("integer"),
          enforcement: {
            type: "object",
            additionalProperties: { type: "string", enum: ["enforced", "advisory"] },
            description:
              "Per limit (memory, cpu, pids): kept by the cgroup, or polled (limits.enforce: best-effort).",
          },
          cgroup: { type: ["string", "null"], enum: ["v1", "v2", null] },
        }),
      ],
    },
  }),
  Server: object({
    name: { type: "string" },
    state: ref("State"),
    reason: { type: "string" },
    reasonKind: {
      oneOf: [ref("ReasonKind"), { type: "null" }],
      description: "null when the reason sums up several instances or the config (disabled, lazy).",
    },
    transport: { type: "string", enum: ["stdio", "http", "sse"] },
    mode: { type: "string", enum: ["shared", "per-session"] },
    start: { type: "string", enum: ["eager", "lazy"] },
    desiredInstances: { type: "integer" },
    instances: { type: "array", items: ref("Instance") },
    tools: nullable("integer", { description: "Exposed tools; null until the list was fetched." }),
    lastError: nullable("string"),
    held: {
      type: "boolean",
      description: "Stopped by an operator: nothing starts it until start or restart.",
    },
  }),
  ServerList: object({
    servers: { type: "array", items: ref("Server") },
    uptimeSeconds: { type: "integer" },
    version: { type: "string" },
  }),
  ServerDetail: object({
    server: ref("Server"),
    tools: { oneOf: [{ type: "array", items: ref("Tool") }, { type: "null" }] },
    shadowed: {
      type: "array",
      description:
        "Tools, prompts, resources and URI templates of this server that collide with another server's on /mcp (docs/gateway.md, gateway.shadowing): left out under refuse, only reported under warn.",
      items: object({
        kind: { type: "string", enum: ["tools", "prompts", "resources", "resourceTemplates"] },
        server: { type: "string" },
        name: { type: "string", description: "Name, URI or URI template." },
        by: { type: "string", description: "The server that keeps it." },
      }),
    },
    config: {
      type: "object",
      description:
        "The server's runtime config (durations in ms). Every env and header value, URL credentials and any value that came from a variable reference read `***`.",
    },
  }),
  Status: object({
    status: { type: "string", enum: ["ok", "degraded", "down"] },
    servers: object({
      total: { type: "integer" },
      byState: {
        type: "object",
        required: [...INSTANCE_STATES],
        properties: Object.fromEntries(INSTANCE_STATES.map((state) => [state, { type: "integer" }])),
        additionalProperties: false,
      },
    }),
    processes: { type: "integer", description: "Server processes and their descendants." },
    sessions: { type: "integer", description: "Open MCP client sessions." },
    uptimeSeconds: { type: "integer" },
    startedAt: { type: "string", format: "date-time" },
    version: { type: "string" },
  }),
  Tool: object(
    {
      server: { type: "string" },
      name: { type: "string", description: "The server's own name (for /execute)." },
      exposedName: { type: "string", description: "The name on /mcp, e.g. memory__read_graph." },
      title: { type: "string" },
      description: { type: "string" },
      inputSchema: { type: "object" },
      outputSchema: { type: "object" },
      annotations: { type: "object" },
    },
    ["title", "description", "outputSchema", "annotations"],
  ),
  ToolList: object({
    tools: { type: "array", items: ref("Tool") },
    unlisted: {
      type: "array",
      description:
        "Servers whose tools are not known yet (never started, or not ready since Corral started).",
      items: object({ server: { type: "string" }, state: ref("State"), reason: { type: "string" } }),
    },
  }),
  ExecuteTool: {
    ...object(
      {
        server: { type: "string" },
        tool: { type: "string", description: "The server's own tool name." },
        arguments: { type: "object", description: "Checked against the tool's inputSchema first." },
        timeoutMs: { type: "integer", minimum: 1, maximum: MAX_TIMEOUT_MS },
      },
      ["arguments", "timeoutMs"],
    ),
    additionalProperties: false,
  },
  ExecuteCommand: {
    ...object(
      {
        server: { type: "string" },
        command: {
          ...object({ method: { type: "string" }, params: { type: "object" } }, ["params"]),
          additionalProperties: false,
        },
        timeoutMs: { type: "integer", minimum: 1, maximum: MAX_TIMEOUT_MS },
      },
      ["timeoutMs"],
    ),
    additionalProperties: false,
  },
  ExecuteToolResult: object({
    server: { type: "string" },
    tool: { type: "string" },
    result: { type: "object", description: "The tools/call result as the server sent it; isError included." },
    durationMs: { type: "integer" },
  }),
  ExecuteCommandResult: object({
    server: { type: "string" },
    method: { type: "string" },
    result: { description: "The result as the server sent it." },
    durationMs: { type: "integer" },
  }),
  LogLine: object({
    at: { type: "string", format: "date-time" },
    instance: { type: "string" },
    text: { type: "string" },
  }),
  Logs: object({ server: { type: "string" }, lines: { type: "array", items: ref("LogLine") } }),
  ActionResult: object({
    server: { type: "string" },
    action: { type: "string", enum: ["start", "stop", "restart"] },
    changed: {
      type: "boolean",
      description: "false when there was nothing to do (start of a running server, stop of a stopped one).",
    },
    state: ref("State"),
    reason: { type: "string" },
  }),
  BareReadiness: object({ ready: { type: "boolean" } }),
  Readiness: object({
    ready: { type: "boolean" },
    readiness: {
      description: "gateway.readiness: all, any, or the listed servers.",
      oneOf: [
        { type: "string", enum: ["all", "any"] },
        { type: "array", items: { type: "string" } },
      ],
    },
    notReady: {
      type: "array",
      description: "Counted servers that cannot take requests now, and why.",
      items: object({ name: { type: "string" }, state: ref("State"), reason: { type: "string" } }),
    },
  }),
};

function lifecycle(action: "start" | "stop" | "restart", summary: string) {
  return {
    post: {
      operationId: `${action}Server`,
      summary,
      parameters: [nameParameter],
      responses: {
        "200": json(
          ref("ActionResult"),
          "Nothing to do (start of a running server, stop of a stopped one); `changed` is false.",
        ),
        "202": json(ref("ActionResult"), "Done; `changed` is true and the body has the server's state now."),
        ...errors(404, ...(action === "stop" ? [] : [409]), 415),
      },
    },
  };
}

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Corral REST API",
      version,
      description: "Servers, status, tools, logs and tool calls of a Corral gateway. Prose: docs/api.md.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    paths: {
      "/healthz": {
        get: {
          operationId: "health",
          summary: "The gateway process is alive (no Host check).",
          responses: {
            "200": json(object({ status: { type: "string", const: "ok" } }), "Alive."),
          },
        },
      },
      "/readyz": {
        get: {
          operationId: "ready",
          summary:
            "The servers gateway.readiness counts can take requests. A request the Host/Origin guard refuses (a probe sending a pod IP as Host) gets only `ready`.",
          responses: {
            "200": json({ oneOf: [ref("Readiness"), ref("BareReadiness")] }, "Ready."),
            "503": json(
              { oneOf: [ref("Readiness"), ref("BareReadiness")] },
              "Not ready: notReady says which servers and why (to allowed Hosts and Origins only).",
            ),
          },
        },
      },
      "/api/v1/openapi.json": {
        get: {
          operationId: "openapi",
          summary: "This document.",
          responses: { "200": json({ type: "object" }, "OpenAPI 3.1."), ...errors() },
        },
      },
      "/api/v1/mcp/servers": {
        get: {
          operationId: "listServers",
          summary: "Every server with its state, instances, tool count and last error.",
          responses: { "200": json(ref("ServerList"), "The servers in config order."), ...errors() },
        },
      },
      "/api/v1/mcp/servers/{name}": {
        get: {
          operationId: "getServer",
          summary: "One server with its tools and its config, secrets redacted.",
          parameters: [nameParameter],
          responses: { "200": json(ref("ServerDetail"), "The server."), ...errors(404) },
        },
      },
      "/api/v1/mcp/status": {
        get: {
          operationId: "getStatus",
          summary: "ok | degraded | down, servers per state, processes, sessions, uptime, version.",
          responses: { "200": json(ref("Status"), "The gateway's status."), ...errors() },
        },
      },
      "/api/v1/mcp/tools": {
        get: {
          operationId: "listTools",
          summary: "The catalog: every exposed tool with its own and its exposed (/mcp) name.",
          parameters: [
            {
              name: "server",
              in: "query",
              required: false,
              description: "Only this server's tools.",
              schema: { type: "string" },
            },
          ],
          responses: { "200": json(ref("ToolList"), "The tools in config order."), ...errors(404) },
        },
      },
      "/api/v1/mcp/execute": {
        post: {
          operationId: "execute",
          summary: "Call a tool, or send any MCP request, to one server.",
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: { oneOf: [ref("ExecuteTool"), ref("ExecuteCommand")] } },
            },
          },
          responses: {
            "200": json(
              { oneOf: [ref("ExecuteToolResult"), ref("ExecuteCommandResult")] },
              "The server's result; a tool-level error (result.isError) is a 200 too.",
            ),
            ...errors(400, 404, 409, 413, 415, 502, 503, 504),
          },
        },
      },
      "/api/v1/mcp/servers/{name}/logs": {
        get: {
          operationId: "getLogs",
          summary: "The server's last stderr lines; with follow=1 an SSE stream of them and every new one.",
          parameters: [
            nameParameter,
            {
              name: "tail",
              in: "query",
              required: false,
              schema: { type: "integer", minimum: 0, maximum: MAX_TAIL, default: DEFAULT_TAIL },
            },
            {
              name: "follow",
              in: "query",
              required: false,
              schema: { type: "string", enum: ["0", "1", "true", "false"] },
            },
          ],
          responses: {
            "200": {
              description:
                "JSON, or with follow=1 `text/event-stream` of `event: line` with a LogLine as data.",
              content: {
                "application/json": { schema: ref("Logs") },
                "text/event-stream": { schema: { type: "string" } },
              },
            },
            ...errors(400, 404),
          },
        },
      },
      "/api/v1/mcp/servers/{name}/start": lifecycle(
        "start",
        "Start a stopped or failed server (200, nothing to do, when it runs or waits to retry).",
      ),
      "/api/v1/mcp/servers/{name}/stop": lifecycle(
        "stop",
        "Stop a server through its stop ladder (200, nothing to do, when it is stopped).",
      ),
      "/api/v1/mcp/servers/{name}/restart": lifecycle(
        "restart",
        "Stop and start a server; revives a failed one.",
      ),
    },
    components: { schemas },
  };
}
