// The REST API under /api/v1 plus the probes (docs/api.md; OpenAPI at /api/v1/openapi.json). Handlers
// only read and shape what the supervisor and gateway know; errors go through error-responses.ts.

import type { ServerResponse } from "node:http";
import type { GatewayConfig } from "../config/index.js";
import type { Redactor } from "../core/index.js";
import type { Gateway } from "../gateway/index.js";
import type { Logger } from "../observability/index.js";
import type { Supervisor } from "../supervisor/index.js";
import type { ArgumentCheck } from "./argument-validator.js";
import { readBody } from "./body.js";
import { type DerivedPaths, viewServerConfig } from "./config-view.js";
import { type RestError, sendJson, sendRestError } from "./error-responses.js";
import { executeRequest, parseExecuteRequest } from "./execute.js";
import { followLogs, parseLogsQuery, tailLines } from "./logs.js";
import { buildOpenApiDocument } from "./openapi.js";
import { viewReadiness } from "./readiness-view.js";
import type { RestContext, RestRoute } from "./rest-router.js";
import { viewServer } from "./server-views.js";
import { viewStatus } from "./status-view.js";
import { viewTools } from "./tool-views.js";

export interface RestDeps {
  readonly supervisor: Supervisor;
  readonly gateway: Gateway;
  readonly gatewayConfig: GatewayConfig;
  readonly logger: Logger;
  readonly version: string;
  readonly startedAt: number;
  /** Which config values came from `${…}` references, for redaction. */
  readonly derivedPaths: DerivedPaths;
  /** Every answer but a tool's own result passes it (docs/security.md). */
  readonly redactor: Redactor;
}

const PREFIX = "/api/v1/mcp";

/** Instance states in which `start` has nothing to do. */
const RUNNING: ReadonlySet<string> = new Set(["starting", "ready", "degraded", "backoff"]);

export function createRestRoutes(deps: RestDeps): RestRoute[] {
  const { supervisor, gateway, redactor } = deps;
  const sendRedacted = (response: ServerResponse, status: number, body: unknown) =>
    sendJson(response, status, redactor.redactValue(body));
  const sendError = (response: ServerResponse, error: RestError) =>
    sendRestError(response, redactor.redactValue(error));
  // ajv and its three dialects load on the first execute: most gateways never serve one, and at
  // start-up they cost several MiB of RSS.
  let validator: Promise<(schema: unknown, args: unknown) => ArgumentCheck> | undefined;
  const loadArgumentValidator = () => {
    validator ??= import("./argument-validator.js").then((module) => module.createArgumentValidator());
    return validator;
  };
  const disabled = () =>
    new Set(gateway.upstreams.servers.filter((server) => server.disabled).map((server) => server.name));
  const serverView = (name: string) => {
    const status = supervisor.getServer(name);
    return status === undefined
      ? undefined
      : viewServer(status, (instance) => supervisor.instanceUsage(instance.id), gateway.toolCount(name));
  };
  const notFound = (name: string): RestError => ({
    code: "SERVER_NOT_FOUND",
    message: `no server named "${name}"; see corral ps`,
    server: name,
  });
  /** The server named in the path, or a 404 already sent. */
  const knownServer = ({ params, response }: RestContext): string | undefined => {
    const name = params.name ?? "";
    if (supervisor.getServer(name) !== undefined) return name;
    sendError(response, notFound(name));
    return undefined;
  };
  let openApi: string | undefined;

  const lifecycle = (action: "start" | "stop" | "restart"): RestRoute => ({
    method: "POST",
    path: `${PREFIX}/servers/{name}/${action}`,
    async handle(context) {
      context.request.resume();
      const name = knownServer(context);
      if (name === undefined) return;
      const answer = (status: 200 | 202) => {
        const now = supervisor.getServer(name);
        sendRedacted(context.response, status, {
          server: name,
          action,
          changed: status === 202,
          state: now?.state,
          reason: now?.reason,
        });
      };
      const conflict = (message: string) =>
        sendError(context.response, {
          code: "STATE_CONFLICT",
          message,
          server: name,
          extra: { state: supervisor.getServer(name)?.state ?? null },
        });
      const config = gateway.upstreams.server(name);
      if (action !== "stop" && config?.disabled === true) {
        conflict(`server "${name}" is disabled in the config; enable it there to ${action} it`);
        return;
      }
      const instances = supervisor.getServer(name)?.instances ?? [];
      const held = supervisor.holdOf(name) !== undefined;
      if (action === "start") {
        if (config?.mode === "per-session") {
          // Its instances start with client sessions; starting it only ends an operator's stop.
          if (!held) {
            conflict(
              `server "${name}" is per-session: its instances start with MCP client sessions on /servers/${name}/mcp`,
            );
            return;
          }
          supervisor.startServer(name);
          answer(202);
          return;
        }
        if (instances.some((instance) => instance.state === "stopping")) {
          conflict(`server "${name}" is stopping; start it once it is stopped, or restart it`);
          return;
        }
        // Already running (or waiting to retry, which restart cuts short): nothing to do.
        if (!held && instances.length > 0 && instances.every((instance) => RUNNING.has(instance.state))) {
          answer(200);
          return;
        }
        supervisor.startServer(name);
      } else if (action === "stop") {
        // A stop holds (docs/api.md): stopping a stopped server still keeps use from starting it.
        // A disabled server never starts anyway.
        const stopped = instances.every((instance) => instance.state === "stopped");
        if (stopped && (held || config?.disabled === true)) {
          answer(200);
          return;
        }
        await supervisor.stopServer(name, "stop requested over the API");
      } else await supervisor.restartServer(name, "restart requested over the API");
      answer(202);
    },
  });

  return [
    {
      method: "GET",
      path: "/healthz",
      handle: ({ response }) => sendJson(response, 200, { status: "ok" }),
    },
    {
      method: "GET",
      path: "/readyz",
      handle: ({ response, guarded }) => {
        const view = viewReadiness(supervisor.listServers(), disabled(), deps.gatewayConfig.readiness);
        // A request the guard refused (a probe sending a pod IP as Host, or a rebinding page) learns
        // only the status: reasons may name hosts, paths and users.
        sendRedacted(response, view.ready ? 200 : 503, guarded ? view : { ready: view.ready });
      },
    },
    {
      method: "GET",
      path: "/api/v1/openapi.json",
      handle: ({ response }) => {
        openApi ??= JSON.stringify(buildOpenApiDocument(deps.version));
        response.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(openApi),
        });
        response.end(openApi);
      },
    },
    {
      method: "GET",
      path: `${PREFIX}/servers`,
      handle: ({ response }) => {
        const servers = supervisor
          .listServers()
          .map((status) =>
            viewServer(
              status,
              (instance) => supervisor.instanceUsage(instance.id),
              gateway.toolCount(status.name),
            ),
          );
        sendRedacted(response, 200, {
          servers,
          uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
          version: deps.version,
        });
      },
    },
    {
      method: "GET",
      path: `${PREFIX}/servers/{name}`,
      async handle(context) {
        const name = knownServer(context);
        if (name === undefined) return;
        const config = gateway.upstreams.server(name);
        const view = config === undefined ? null : viewServerConfig(config, deps.derivedPaths);
        sendRedacted(context.response, 200, {
          server: serverView(name),
          tools: gateway.catalog.hasServer(name) ? viewTools(gateway, new Set([name])) : null,
          // What of this server /mcp leaves out, or would under refuse, because it shadows another's.
          shadowed: gateway.catalog.shadowed.filter((item) => item.server === name),
          config: view,
        });
      },
    },
    {
      method: "GET",
      path: `${PREFIX}/status`,
      handle: ({ response }) =>
        sendRedacted(
          response,
          200,
          viewStatus({
            servers: supervisor.listServers(),
            disabled: disabled(),
            sessions: gateway.sessionCount,
            processes: supervisor.managedProcessCount(),
            startedAt: deps.startedAt,
            version: deps.version,
          }),
        ),
    },
    {
      method: "GET",
      path: `${PREFIX}/tools`,
      handle: ({ response, query }) => {
        const only = query.get("server");
        if (only !== null && supervisor.getServer(only) === undefined) {
          sendError(response, notFound(only));
          return;
        }
        const scope = only === null ? undefined : new Set([only]);
        const unlisted = supervisor
          .listServers()
          .filter(
            (server) =>
              (scope === undefined || scope.has(server.name)) && !gateway.catalog.hasServer(server.name),
          )
          .map((server) => ({ server: server.name, state: server.state, reason: server.reason }));
        sendRedacted(response, 200, { tools: viewTools(gateway, scope), unlisted });
      },
    },
    {
      method: "POST",
      path: `${PREFIX}/execute`,
      async handle({ request, response }) {
        const read = await readBody(request, response, deps.gatewayConfig.maxBodyBytes);
        if (!read.ok) {
          if (read.reason === "too-large") {
            sendError(response, {
              code: "BODY_TOO_LARGE",
              message: `the body is larger than gateway.maxBodySize (${deps.gatewayConfig.maxBodyBytes} bytes)`,
            });
          }
          return;
        }
        let body: unknown;
        try {
          body = JSON.parse(read.body.toString("utf8"));
        } catch (error) {
          sendError(response, {
            code: "BAD_REQUEST",
            message: `the body is not JSON: ${(error as Error).message}`,
          });
          return;
        }
        const parsed = parseExecuteRequest(body);
        if ("error" in parsed) {
          sendError(response, parsed.error);
          return;
        }
        // A caller that goes away cancels the call upstream.
        const gone = new AbortController();
        response.once("close", () => {
          if (!response.writableFinished) gone.abort();
        });
        const checkArguments = await loadArgumentValidator();
        const outcome = await executeRequest(
          { gateway, supervisor, logger: deps.logger, checkArguments },
          parsed.request,
          gone.signal,
        );
        if (response.destroyed) return;
        if ("error" in outcome) sendError(response, outcome.error);
        else sendJson(response, 200, outcome.body); // a tool's result is its data, as on /mcp
      },
    },
    {
      method: "GET",
      path: `${PREFIX}/servers/{name}/logs`,
      handle: (context) => {
        const name = knownServer(context);
        if (name === undefined) return;
        const query = parseLogsQuery(context.query);
        if ("code" in query) {
          sendError(context.response, query);
          return;
        }
        if (query.follow) followLogs(supervisor, name, query.tail, context.response, redactor.redactText);
        else
          sendRedacted(context.response, 200, {
            server: name,
            lines: tailLines(supervisor.getInstances(name), query.tail),
          });
      },
    },
    lifecycle("start"),
    lifecycle("stop"),
    lifecycle("restart"),
  ];
}
