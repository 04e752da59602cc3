// Requests of sessions on /servers/<name>/mcp: the server's own names, passed through; Corral only
// applies the tool policy and remembers what it must fan out later (log level, subscriptions). The
// params always go on as the client wrote them, so the request's own bytes can too.

import type { JsonRpcRequest } from "../core/index.js";
import { type Answer, GATEWAY_ERROR, gatewayError, toResponseBody } from "../upstream/index.js";
import { isToolExposed } from "./catalog.js";
import { isLogLevel } from "./protocol.js";
import { forwardTo, type RouteContext, subscribe } from "./route-context.js";

type Params = Record<string, unknown> | undefined;

export async function routeServerRequest(
  context: RouteContext,
  server: string,
  request: JsonRpcRequest,
): Promise<Answer> {
  const params = request.params as Params;
  const config = context.upstreams.server(server);
  if (config === undefined)
    return { error: gatewayError(GATEWAY_ERROR.invalidParams, `no server named "${server}"`) };
  switch (request.method) {
    case "logging/setLevel":
      if (isLogLevel(params?.level)) context.session.logLevel = params.level;
      break;
    case "resources/subscribe":
      if (typeof params?.uri === "string")
        return subscribe(context, server, request, params.uri, context.encoded);
      break;
    case "resources/unsubscribe":
      if (typeof params?.uri === "string") context.session.subscriptions.delete(params.uri);
      break;
    case "tools/call":
      // The policy can only judge a name it can read; a server might read another type its own way.
      if (typeof params?.name !== "string")
        return {
          error: gatewayError(GATEWAY_ERROR.invalidParams, "tools/call needs params.name as a string"),
        };
      if (!isToolExposed(config, params.name)) {
        return {
          error: gatewayError(
            GATEWAY_ERROR.invalidParams,
            `Unknown tool: ${params.name} (not exposed by the config of "${server}")`,
          ),
        };
      }
      break;
    case "tools/list": {
      const body = toResponseBody(await forwardTo(context, server, request, params, context.encoded));
      if (!("result" in body)) return body;
      const result = body.result as { tools?: { name: string }[] };
      if (!Array.isArray(result.tools)) return body;
      return {
        result: { ...result, tools: result.tools.filter((tool) => isToolExposed(config, tool.name)) },
      };
    }
  }
  return forwardTo(context, server, request, params, context.encoded);
}
