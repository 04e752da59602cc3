export { REST_STATUS, type RestErrorCode } from "./error-responses.js";
export { type ApiServer, type ApiServerOptions, createApiServer } from "./http-server.js";
export {
  type ArgumentCheck,
  type ArgumentProblem,
  loadArgumentValidator,
} from "./load-argument-validator.js";
export type { LogLineView } from "./logs.js";
export { buildOpenApiDocument } from "./openapi.js";
export { type InstanceView, type ServerView, viewServer } from "./server-views.js";
export type { StatusView } from "./status-view.js";
export type { ToolView } from "./tool-views.js";
