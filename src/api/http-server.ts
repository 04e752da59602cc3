// The gateway's HTTP listener: the MCP endpoints (`/mcp`, `/servers/<name>/mcp`, and the legacy SSE
// pair `/sse` + `/messages`, `/servers/<name>/sse` + `/servers/<name>/messages`), the minimal REST
// the CLI needs, `/healthz` and `/readyz`. Every route but the probes passes the Host/Origin guard.
// REST errors use the body shape of DESIGN.md §6.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GatewayConfig } from "../config/index.js";
import type { Gateway } from "../gateway/index.js";
import type { Logger } from "../observability/index.js";
import { readTreeUsage } from "../platform/index.js";
import type { Supervisor } from "../supervisor/index.js";
import { createGuard } from "./guard.js";
import { createLegacySseHandler } from "./mcp-legacy-sse.js";
import { createStreamableHandler } from "./mcp-streamable.js";
import { viewServer } from "./server-views.js";

export interface ApiServerOptions {
  readonly supervisor: Supervisor;
  readonly gateway: Gateway;
  readonly gatewayConfig: GatewayConfig;
  readonly logger: Logger;
  readonly version: string;
}

export interface ApiServer {
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Stops accepting connections and ends idle keep-alive ones. */
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

function sendError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  server?: string,
): void {
  sendJson(response, status, { error: { code, message, ...(server === undefined ? {} : { server }) } });
}

export function createApiServer(options: ApiServerOptions): ApiServer {
  const { supervisor } = options;
  const startedAt = Date.now();

  const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
    "GET /healthz": (_request, response) => sendJson(response, 200, { status: "ok" }),
    "GET /readyz": (_request, response) => {
      // Ready once every eager server has either come up or failed with a reason.
      const pending = supervisor
        .listServers()
        .filter((server) => server.start === "eager" && server.mode === "shared")
        .filter(
          (server) => server.state === "starting" || server.state === "backoff" || server.state === "stopped",
        );
      const body = {
        ready: pending.length === 0,
        pending: pending.map((server) => ({ name: server.name, state: server.state, reason: server.reason })),
      };
      sendJson(response, pending.length === 0 ? 200 : 503, body);
    },
    "GET /api/v1/mcp/servers": (_request, response) => {
      const servers = supervisor
        .listServers()
        .map((status) => viewServer(status, readTreeUsage, options.gateway.toolCount(status.name)));
      sendJson(response, 200, {
        servers,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        version: options.version,
      });
    },
  };

  const serverAction = /^\/api\/v1\/mcp\/servers\/([^/]+)\/(start|stop|restart)$/;

  async function runServerAction(response: ServerResponse, name: string, action: string): Promise<void> {
    if (supervisor.getServer(name) === undefined) {
      sendError(response, 404, "SERVER_NOT_FOUND", `no server named "${name}"`, name);
      return;
    }
    if (action === "start") supervisor.startServer(name);
    else if (action === "stop") await supervisor.stopServer(name, "stop requested over the API");
    else await supervisor.restartServer(name, "restart requested over the API");
    const status = supervisor.getServer(name);
    sendJson(response, 202, { server: name, action, state: status?.state, reason: status?.reason });
  }

  const guard = createGuard({
    bindHost: options.gatewayConfig.host,
    allowedHosts: options.gatewayConfig.allowedHosts,
    allowedOrigins: options.gatewayConfig.allowedOrigins,
  });
  const streamable = createStreamableHandler({
    gateway: options.gateway,
    logger: options.logger,
    maxBodyBytes: options.gatewayConfig.maxBodyBytes,
  });
  const legacy = createLegacySseHandler({
    gateway: options.gateway,
    logger: options.logger,
    maxBodyBytes: options.gatewayConfig.maxBodyBytes,
  });
  const serverEndpoint = /^\/servers\/([^/]+)\/(mcp|sse|messages)$/;
  const probes = new Set(["/healthz", "/readyz"]);

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    if (!probes.has(path)) {
      const refusal = guard(request);
      if (refusal !== undefined) {
        request.resume();
        sendError(response, refusal.status, refusal.code, refusal.message);
        return;
      }
    }
    const route = routes[`${request.method} ${path}`];
    const action = request.method === "POST" ? serverAction.exec(path) : null;
    const endpoint = serverEndpoint.exec(path);
    const fail = (error: unknown) => {
      options.logger.error({ err: String(error), path }, "request failed");
      if (!response.headersSent) sendError(response, 500, "INTERNAL", "internal error; see the gateway log");
      else response.destroy();
    };
    try {
      if (path === "/mcp") streamable(request, response, { kind: "all" }).catch(fail);
      else if (path === "/sse" || path === "/messages") {
        const kind = path === "/sse" ? "sse" : "messages";
        legacy(request, response, { kind: "all" }, kind).catch(fail);
      } else if (endpoint !== null) {
        const name = decodeURIComponent(endpoint[1] as string);
        const kind = endpoint[2] as "mcp" | "sse" | "messages";
        const scope = { kind: "server", server: name } as const;
        if (supervisor.getServer(name) === undefined) {
          request.resume();
          sendError(response, 404, "SERVER_NOT_FOUND", `no server named "${name}"`, name);
        } else if (kind === "mcp") streamable(request, response, scope).catch(fail);
        else legacy(request, response, scope, kind).catch(fail);
      } else if (route !== undefined) route(request, response);
      else if (action !== null) {
        runServerAction(response, decodeURIComponent(action[1] as string), action[2] as string).catch(
          (error: unknown) => {
            options.logger.error({ err: String(error), path }, "request failed");
            if (!response.headersSent)
              sendError(response, 500, "INTERNAL", "internal error; see the gateway log");
          },
        );
      } else sendError(response, 404, "NOT_FOUND", `no route ${request.method} ${path}`);
    } catch (error) {
      options.logger.error({ err: String(error), path }, "request failed");
      if (!response.headersSent) sendError(response, 500, "INTERNAL", "internal error; see the gateway log");
    }
  });
  server.keepAliveTimeout = 5_000;

  return {
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          resolve({ host: address.address, port: address.port });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Open SSE streams would hold close() forever; the drain already answered what was in flight.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
    },
  };
}
