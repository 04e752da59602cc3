export { type ApiServer, type ApiServerOptions, createApiServer } from "./http-server.js";
export { type InstanceView, type ServerView, viewServer } from "./server-views.js";
