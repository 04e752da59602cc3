export { createInstanceChannel, type UpstreamChannel } from "./channel.js";
export {
  type ConnectionEvents,
  type ForwardContext,
  type ResponseBody,
  type ServerRequestRoute,
  UpstreamConnection,
} from "./connection.js";
export { GATEWAY_ERROR, gatewayError } from "./errors.js";
export { openRemoteLink } from "./remote-link.js";
