export { buildChildEnv } from "./child-env.js";
export { buildContainerEnv, describeContainerExit } from "./container-link.js";
export { computeGatewayKey, sweepContainers } from "./container-runtime.js";
export {
  EXIT_QUOTE_WINDOW_MS,
  GATEWAY_PROTOCOL_VERSION,
  type HeldResources,
  Instance,
  type MessageListener,
  type ResponseLineListener,
} from "./instance.js";
export * from "./instance-state.js";
export type { ContainerLinkOpener, Link, LinkCallbacks, LinkEnd, RemoteLinkOpener } from "./link.js";
export { type ExitInfo, type ServerProcess, spawnServerProcess } from "./server-process.js";
export {
  type ChildRecord,
  openStateDir,
  type ReapOutcome,
  reapLeftovers,
  type StateDir,
} from "./state-dir.js";
export { type StopOutcome, type StopRung, terminateServerProcess } from "./stop-ladder.js";
export {
  aggregateState,
  describeHold,
  type OperatorHold,
  type ServerStatus,
  Supervisor,
  type SupervisorOptions,
} from "./supervisor.js";
