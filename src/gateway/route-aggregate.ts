// Requests of sessions on /mcp (every server at once): lists come from the catalog, everything
// else is routed to one server by its exposed name or by resource URI.

import type { ServerConfig } from "../config/index.js";
import { type JsonRpcRequest, renameInRequest } from "../core/index.js";
import { type Answer, GATEWAY_ERROR, gatewayError } from "../upstream/index.js";
import type { ListKind } from "./catalog.js";
import { isLogLevel } from "./protocol.js";
import { forwardTo, type RouteContext, refuseLongSubscriptionUri, subscribe } from "./route-context.js";

const PAGE_SIZE = 500;
const LIST_OF: Readonly<Record<string, ListKind>> = {
  "tools/list": "tools",
  "prompts/list": "prompts",
  "resources/list": "resources",
  "resources/templates/list": "resourceTemplates",
};
const RESOURCE_NOT_FOUND = -32002;

type Params = Record<string, unknown> | undefined;

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

function decodeCursor(cursor: unknown): number | undefined {
  if (cursor === undefined) return 0;
  try {
    const offset = (JSON.parse(Buffer.from(String(cursor), "base64url").toString("utf8")) as { o?: unknown })
      .o;
    return typeof offset === "number" && Number.isInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes sure every server that can contribute is in the catalog (starting never-used lazy ones). A
 * per-session server contributes its catalog template until this session has an instance of its
 * own, then that instance's lists; listing never starts a session's instance (docs/gateway.md).
 */
async function ensureCatalog(context: RouteContext): Promise<void> {
  await Promise.all(
    context.upstreams.servers.map(async (server) => {
      if (server.disabled) return;
      if (server.mode === "per-session") return ensureOwnLists(context, server);
      if (context.catalog().hasServer(server.name)) return context.sync.settled(server.name);
      if (context.upstreams.readyConnections(server.name).length === 0) {
        // Never-used lazy servers start now.
        if (server.start !== "lazy") return;
        const connected = await context.upstreams.connect(server.name, context.stream.signal, context.owner);
        if ("error" in connected) return;
      }
      return context.sync.refresh(server.name);
    }),
  );
}

async function ensureOwnLists(context: RouteContext, server: ServerConfig): Promise<void> {
  const connection = context.upstreams.readyConnection(server.name, context.owner);
  if (connection === undefined) return context.sync.refresh(server.name);
  if (context.ownCatalogs.isCurrent(context.session.id, server.name, connection)) return;
  const capabilities = (context.upstreams.initializeResult(server.name, context.owner)?.capabilities ??
    {}) as Record<string, unknown>;
  await context.ownCatalogs.refresh(context.session.id, server, connection, capabilities);
}

async function listPage(context: RouteContext, kind: ListKind, params: Params): Promise<Answer> {
  const offset = decodeCursor(params?.cursor);
  if (offset === undefined) return { error: gatewayError(GATEWAY_ERROR.invalidParams, "invalid cursor") };
  await ensureCatalog(context);
  const items = context.catalog().list(kind);
  const page = items.slice(offset, offset + PAGE_SIZE);
  const next = offset + PAGE_SIZE < items.length ? { nextCursor: encodeCursor(offset + PAGE_SIZE) } : {};
  return { result: { [kind]: page, ...next } };
}

async function routeByName(
  context: RouteContext,
  request: JsonRpcRequest,
  kind: "tools" | "prompts",
): Promise<Answer> {
  const params = request.params as Params;
  const name = params?.name;
  if (typeof name !== "string")
    return { error: gatewayError(GATEWAY_ERROR.invalidParams, `${request.method} needs params.name`) };
  let entry = context.catalog().resolve(kind, name);
  if (entry === undefined) {
    await ensureCatalog(context);
    entry = context.catalog().resolve(kind, name);
  }
  if (entry === undefined) {
    const what = kind === "tools" ? "tool" : "prompt";
    return {
      error: gatewayError(GATEWAY_ERROR.invalidParams, `Unknown ${what}: ${name}`, { reason: "unknown" }),
    };
  }
  const encoded = context.encoded && renameInRequest(context.encoded, entry.original);
  return forwardTo(context, entry.server, request, { ...params, name: entry.original }, encoded);
}

async function routeByUri(context: RouteContext, request: JsonRpcRequest): Promise<Answer> {
  const params = request.params as Params;
  const uri = params?.uri;
  if (typeof uri !== "string")
    return { error: gatewayError(GATEWAY_ERROR.invalidParams, `${request.method} needs params.uri`) };
  if (request.method === "resources/subscribe") {
    const tooLong = refuseLongSubscriptionUri(context, uri);
    if (tooLong !== undefined) return tooLong;
  }
  let server = context.catalog().resolveResourceUri(uri);
  if (server === undefined) {
    await ensureCatalog(context);
    server = context.catalog().resolveResourceUri(uri);
  }
  if (server === undefined) {
    return {
      error: gatewayError(
        RESOURCE_NOT_FOUND,
        `Resource not found: ${uri} (no server lists it or a matching template)`,
        { uri },
      ),
    };
  }
  if (request.method === "resources/subscribe")
    return subscribe(context, server, request, uri, context.encoded);
  if (request.method === "resources/unsubscribe") context.session.subscriptions.delete(uri);
  return forwardTo(context, server, request, params, context.encoded);
}

async function routeCompletion(context: RouteContext, request: JsonRpcRequest): Promise<Answer> {
  const params = request.params as
    | (Params & { ref?: { type?: string; name?: string; uri?: string } })
    | undefined;
  const ref = params?.ref;
  if (ref?.type === "ref/prompt" && typeof ref.name === "string") {
    const entry = context.catalog().resolve("prompts", ref.name);
    if (entry === undefined)
      return { error: gatewayError(GATEWAY_ERROR.invalidParams, `Unknown prompt: ${ref.name}`) };
    return forwardTo(context, entry.server, request, { ...params, ref: { ...ref, name: entry.original } });
  }
  if (ref?.type === "ref/resource" && typeof ref.uri === "string") {
    const server = context.catalog().resolveResourceUri(ref.uri);
    if (server === undefined)
      return { error: gatewayError(GATEWAY_ERROR.invalidParams, `Unknown resource template: ${ref.uri}`) };
    return forwardTo(context, server, request, params);
  }
  return {
    error: gatewayError(
      GATEWAY_ERROR.invalidParams,
      "completion/complete needs a ref/prompt or ref/resource",
    ),
  };
}

async function setLogLevel(context: RouteContext, request: JsonRpcRequest): Promise<Answer> {
  const level = (request.params as Params)?.level;
  if (!isLogLevel(level))
    return { error: gatewayError(GATEWAY_ERROR.invalidParams, `invalid log level ${JSON.stringify(level)}`) };
  context.session.logLevel = level;
  // Shared upstreams get the level too; each session's own threshold is applied on fan-out.
  await Promise.all(
    context.upstreams.servers.map(async (server) => {
      const capabilities = context.upstreams.initializeResult(server.name, context.owner)?.capabilities as
        | Record<string, unknown>
        | undefined;
      // A per-session server's level is its session's own: only an instance it already has gets it.
      const running =
        server.mode === "per-session"
          ? context.upstreams.readyConnection(server.name, context.owner) !== undefined
          : context.upstreams.readyConnections(server.name).length > 0;
      if (capabilities?.logging === undefined || !running) return;
      await forwardTo(context, server.name, request, request.params);
    }),
  );
  return { result: {} };
}

export function routeAggregateRequest(context: RouteContext, request: JsonRpcRequest): Promise<Answer> {
  const kind = LIST_OF[request.method];
  if (kind !== undefined) return listPage(context, kind, request.params as Params);
  switch (request.method) {
    case "tools/call":
      return routeByName(context, request, "tools");
    case "prompts/get":
      return routeByName(context, request, "prompts");
    case "resources/read":
    case "resources/subscribe":
    case "resources/unsubscribe":
      return routeByUri(context, request);
    case "completion/complete":
      return routeCompletion(context, request);
    case "logging/setLevel":
      return setLogLevel(context, request);
    default:
      return Promise.resolve({
        error: gatewayError(
          GATEWAY_ERROR.methodNotFound,
          `Method not found: ${request.method} (on the aggregate endpoint /mcp)`,
        ),
      });
  }
}
