// What the supervisor needs to run `runtime: container` servers: one engine client, made on first use
// (a config without container servers never contacts an engine), an opener for container links, and
// the start-up sweep. Containers are not in the state dir's child records: they are found by label.
// A gateway's containers carry its key (a hash of its state dir's path), so the sweep removes what a
// killed gateway left behind, and never another gateway's containers.

import { createHash } from "node:crypto";
import {
  type ContainerSummary,
  createDockerEngine,
  type DockerEngine,
  LABEL_GATEWAY,
  LABEL_MANAGED,
  resolveDockerSocket,
} from "../platform/index.js";
import { openContainerLink } from "./container-link.js";
import type { ContainerLinkOpener } from "./link.js";

/** One state dir, one gateway, one key. */
export function computeGatewayKey(stateDirPath: string): string {
  return createHash("sha256").update(stateDirPath).digest("hex").slice(0, 16);
}

const SWEEP_PING_MS = 2_000;

/** Force-removes every container labelled as this gateway's; returns what it removed. */
export async function sweepContainers(engine: DockerEngine, gatewayKey: string): Promise<ContainerSummary[]> {
  // A short ping first: a socket that accepts but never answers must not hold up the gateway's start.
  await engine.ping({ timeoutMs: SWEEP_PING_MS });
  const leftovers = await engine.listContainers({ [LABEL_MANAGED]: "true", [LABEL_GATEWAY]: gatewayKey });
  await Promise.all(leftovers.map((container) => engine.removeContainer(container.Id)));
  return leftovers;
}

export interface ContainerRuntime {
  readonly gatewayKey: string;
  readonly openLink: ContainerLinkOpener;
  /** Removes this gateway's leftover containers; throws when the engine cannot be reached. */
  sweep(): Promise<ContainerSummary[]>;
}

export interface ContainerRuntimeOptions {
  /** DOCKER_HOST as the cli read it; undefined means the default socket. */
  readonly dockerHost: string | undefined;
  readonly stateDirPath: string;
  readonly gatewayEnv: Readonly<Record<string, string | undefined>>;
}

export function createContainerRuntime(options: ContainerRuntimeOptions): ContainerRuntime {
  const gatewayKey = computeGatewayKey(options.stateDirPath);
  let engine: DockerEngine | undefined;
  // Resolving the socket may throw (a tcp:// DOCKER_HOST): that is the start failure's reason.
  const getEngine = () => {
    engine ??= createDockerEngine({ socketPath: resolveDockerSocket(options.dockerHost) });
    return engine;
  };
  return {
    gatewayKey,
    openLink: (server, instanceId, callbacks, signal) =>
      openContainerLink(
        { server, instanceId, engine: getEngine(), gatewayKey, gatewayEnv: options.gatewayEnv },
        callbacks,
        signal,
      ),
    sweep: () => sweepContainers(getEngine(), gatewayKey),
  };
}
