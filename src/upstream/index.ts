export { createInstanceChannel, type UpstreamChannel } from "./channel.js";
export {
  type Answer,
  type ConnectionEvents,
  encodeAnswer,
  type ForwardContext,
  type ResponseBody,
  type ServerRequestRoute,
  toResponseBody,
  UpstreamConnection,
} from "./connection.js";
export { GATEWAY_ERROR, gatewayError } from "./errors.js";
export { openRemoteLink } from "./remote-link.js";
