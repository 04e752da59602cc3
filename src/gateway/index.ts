export { Catalog, type Collision, isToolExposed, matchesUriTemplate } from "./catalog.js";
export {
  Gateway,
  type GatewayOptions,
  type InitializeOutcome,
  ROUTABLE_CLIENT_CAPABILITIES,
  routableClientCapabilities,
} from "./gateway.js";
export { fitName, MAX_NAME_LENGTH, qualifyName } from "./names.js";
export {
  isSupportedProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "./protocol.js";
export { isLoopbackAddress, QUOTA_EXCEEDED, QUOTA_KEYS, QuotaGuard, type QuotaName } from "./quotas.js";
export type { RequestStream } from "./route-context.js";
export { ClientSession, type Outbound, type SessionScope } from "./session.js";
