// The gateway's HTTP listener: the MCP endpoints (`/mcp`, `/servers/<name>/mcp`, and the legacy SSE
// pair `/sse` + `/messages`, `/servers/<name>/sse` + `/servers/<name>/messages`), the REST
// API (rest-routes.ts), `/healthz` and `/readyz`. Every route that answers with data passes the
// Host/Origin guard; `/healthz` answers anyone, and `/readyz` answers a refused request with its bare
// status (no reasons), so probes that send a pod IP as Host keep working. REST writes need a JSON
// content type. REST errors use the body shape of DESIGN.md §6, written by error-responses.ts.

import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { ConfigSecrets, GatewayConfig } from "../config/index.js";
import { createRedactor, type Redactor } from "../core/index.js";
import type { Gateway } from "../gateway/index.js";
import type { Logger } from "../observability/index.js";
import type { Supervisor } from "../supervisor/index.js";
import { derivedPathsOf } from "./config-view.js";
import { type RestErrorCode, sendRestError } from "./error-responses.js";
import { createGuard } from "./guard.js";
import { clientAddress, isJsonContentType } from "./json-rpc-http.js";
import { createLegacySseHandler } from "./mcp-legacy-sse.js";
import { createStreamableHandler } from "./mcp-streamable.js";
import { createRouter } from "./rest-router.js";
import { createRestRoutes } from "./rest-routes.js";

export interface ApiServerOptions {
  readonly supervisor: Supervisor;
  readonly gateway: Gateway;
  readonly gatewayConfig: GatewayConfig;
  readonly logger: Logger;
  readonly version: string;
  /**
   * Which config values came from `${…}` references, recorded when the config was loaded (redacted
   * in GET /api/v1/mcp/servers/{name}); without it every string that could hold one is redacted.
   */
  readonly configSecrets?: ConfigSecrets;
  /** Every REST answer passes it; without one, URL credentials and query values are still redacted. */
  readonly redactor?: Redactor;
}

export interface ApiServer {
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Stops accepting connections and ends idle keep-alive ones. */
  close(): Promise<void>;
}

export function createApiServer(options: ApiServerOptions): ApiServer {
  const { supervisor } = options;
  const derived = derivedPathsOf(options.configSecrets);
  let listeningPort: number | undefined;
  const routes = createRestRoutes({
    supervisor,
    gateway: options.gateway,
    gatewayConfig: options.gatewayConfig,
    logger: options.logger,
    version: options.version,
    startedAt: Date.now(),
    derivedPaths: derived,
    redactor: options.redactor ?? createRedactor(),
  });
  const route = createRouter(routes);

  const guard = createGuard({
    bindHost: options.gatewayConfig.host,
    allowedHosts: options.gatewayConfig.allowedHosts,
    allowedOrigins: options.gatewayConfig.allowedOrigins,
    port: () => listeningPort,
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
  /** Answered even on a connection over the connections quota: a probe must see a busy gateway. */
  const probes = new Set(["/healthz", "/readyz"]);

  const { quotas } = options.gateway;
  /** Connections that came over gateway.quotas.connections: their request is refused, then they close. */
  const overQuota = new WeakSet<Socket>();
  let connections = 0;

  const server: Server = createServer((request, response) => {
    const target = request.url ?? "/";
    const queryAt = target.indexOf("?");
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    if (overQuota.has(request.socket) && !probes.has(path)) {
      request.resume();
      const refusal = quotas.refuse(
        "connections",
        clientAddress(request),
        `the gateway has ${connections} connections open; close idle ones or retry later`,
      );
      response.setHeader("connection", "close");
      sendRestError(response, {
        code: "QUOTA_EXCEEDED",
        message: refusal.message,
        extra: { quota: "connections" },
      });
      return;
    }
    const fail = (error: unknown) => {
      options.logger.error({ err: String(error), path }, "request failed");
      if (!response.headersSent)
        sendRestError(response, { code: "INTERNAL_ERROR", message: "internal error; see the gateway log" });
      else response.destroy();
    };
    const refusal = path === "/healthz" ? undefined : guard(request);
    if (refusal !== undefined && path !== "/readyz") {
      request.resume();
      sendRestError(response, { code: refusal.code as RestErrorCode, message: refusal.message });
      return;
    }
    const endpoint = serverEndpoint.exec(path);
    try {
      if (path === "/mcp") streamable(request, response, { kind: "all" }).catch(fail);
      else if (path === "/sse" || path === "/messages") {
        const kind = path === "/sse" ? "sse" : "messages";
        legacy(request, response, { kind: "all" }, kind).catch(fail);
      } else if (endpoint !== null) {
        const name = decodeURIComponent(endpoint[1] as string);
        const kind = endpoint[2] as "mcp" | "sse" | "messages";
        const scope = { kind: "server", server: name } as const;
        if (!supervisor.hasServer(name)) {
          request.resume();
          sendRestError(response, {
            code: "SERVER_NOT_FOUND",
            message: `no server named "${name}"`,
            server: name,
          });
        } else if (kind === "mcp") streamable(request, response, scope).catch(fail);
        else legacy(request, response, scope, kind).catch(fail);
      } else {
        const match = route(request.method ?? "GET", path);
        if (match.kind === "found") {
          const query = new URLSearchParams(queryAt === -1 ? "" : target.slice(queryAt + 1));
          if (match.route.method === "POST" && !isJsonContentType(request.headers["content-type"])) {
            request.resume();
            sendRestError(response, {
              code: "UNSUPPORTED_MEDIA_TYPE",
              message: `${path} takes Content-Type: application/json, not ${JSON.stringify(request.headers["content-type"] ?? "none")}; send a JSON body ({} when there is nothing to say)`,
            });
            return;
          }
          const guarded = refusal === undefined;
          const done = match.route.handle({ request, response, params: match.params, query, guarded });
          if (done instanceof Promise) done.catch(fail);
        } else {
          request.resume();
          if (match.kind === "wrong-method") {
            sendRestError(response, {
              code: "METHOD_NOT_ALLOWED",
              message: `${path} takes ${match.allow.join(", ")}, not ${request.method}`,
              extra: { allow: match.allow.join(", ") },
            });
          } else
            sendRestError(response, {
              code: "ROUTE_NOT_FOUND",
              message: `no route ${request.method} ${path}`,
            });
        }
      }
    } catch (error) {
      fail(error);
    }
  });
  // Node's 5 s default closes idle keep-alive sockets so soon that a client reusing one races the
  // close and loses its request (the bench saw 51 "connection closed" at once: 64 sockets idle 5 s).
  // Clients of a gateway come back every few seconds; 65 s is longer than common client and proxy
  // idle timeouts (60 s), so the client, not the gateway, closes first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Node's own `maxConnections` drops a connection with no word; here the client gets a 429 saying why.
  server.on("connection", (socket: Socket) => {
    connections += 1;
    socket.once("close", () => {
      connections -= 1;
    });
    if (connections <= quotas.limits.connections) return;
    overQuota.add(socket);
    // One that never sends a request is not kept waiting for the headers timeout.
    socket.setTimeout(10_000, () => socket.destroy());
  });

  return {
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          listeningPort = address.port;
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
