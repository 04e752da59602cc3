// The pure half of the Docker Engine client: where the engine is, how an image reference splits into
// the name and tag that `/images/create` wants, the body of `/containers/create` (with the security
// baseline every container gets), and which requested limits or baseline parts an engine silently
// left out. No I/O here, so all of it is tested on machines without an engine.

import { CorralError } from "../core/index.js";

export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** Labels every Corral container carries; the sweep at start-up finds leftovers by them. */
export const LABEL_MANAGED = "corral.managed";
export const LABEL_GATEWAY = "corral.gateway";
export const LABEL_SERVER = "corral.server";
export const LABEL_INSTANCE = "corral.instance";

/**
 * The engine's unix socket: DOCKER_HOST's `unix://` path when set, else the default. Other schemes
 * (tcp://, ssh://, npipe://) are refused: a plain TCP engine would take containers from anyone.
 */
export function resolveDockerSocket(dockerHost: string | undefined): string {
  if (dockerHost === undefined || dockerHost === "") return DEFAULT_DOCKER_SOCKET;
  if (dockerHost.startsWith("unix://") && dockerHost.length > "unix://".length) {
    return dockerHost.slice("unix://".length);
  }
  throw new CorralError(
    "CONTAINER_ENGINE_UNREACHABLE",
    `DOCKER_HOST=${dockerHost} is not a unix socket; runtime: container talks to the engine only over unix:///path/to/docker.sock`,
  );
}

export interface ImageReference {
  /** Repository with registry, e.g. `node` or `localhost:5000/team/server`. */
  readonly name: string;
  /** Tag or digest (`sha256:…`); `latest` when the reference has neither. */
  readonly tag: string;
}

export function splitImageReference(reference: string): ImageReference {
  const at = reference.indexOf("@");
  if (at !== -1) return { name: reference.slice(0, at), tag: reference.slice(at + 1) };
  // A colon after the last slash is the tag's; one before it is a registry's port.
  const colon = reference.lastIndexOf(":");
  if (colon > reference.lastIndexOf("/")) {
    return { name: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  }
  return { name: reference, tag: "latest" };
}

export interface ContainerLimits {
  readonly memoryBytes?: number;
  /** CPU cores, e.g. 0.5. */
  readonly cpu?: number;
  readonly pids?: number;
}

export interface ContainerSpec {
  readonly image: string;
  /** The container's command (`Cmd`): after the image's entrypoint. Empty keeps the image's own. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly limits: ContainerLimits;
  readonly network: "none" | "bridge" | "host";
  /** `User` of the container ("uid:gid" or a name in the image); absent keeps the image's own. */
  readonly user?: string;
  /** The root filesystem mounted read-only (a tmpfs on /tmp either way). */
  readonly readOnlyRoot: boolean;
}

/** Every container gets these, whatever the config says: no capabilities, no gaining privileges. */
export const CONTAINER_BASELINE = {
  CapDrop: ["ALL"],
  SecurityOpt: ["no-new-privileges"],
} as const;

/** A private, writable /tmp in every container (its pages count towards limits.memory). */
export const CONTAINER_TMPFS = { "/tmp": "rw,nosuid,nodev,mode=1777" } as const;

/** The JSON body of `POST /containers/create`. */
export function buildCreateBody(spec: ContainerSpec): Record<string, unknown> {
  const { limits } = spec;
  return {
    Image: spec.image,
    ...(spec.args.length === 0 ? {} : { Cmd: [...spec.args] }),
    ...(spec.user === undefined ? {} : { User: spec.user }),
    Env: Object.entries(spec.env).map(([name, value]) => `${name}=${value}`),
    Labels: { ...spec.labels },
    // stdio is the protocol channel: attached, no TTY (so stdout and stderr stay apart, in frames).
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    // When the attached client closes its stdin, the engine closes the container's: the stop ladder's
    // first rung, and what ends the server by itself when the gateway dies.
    StdinOnce: true,
    Tty: false,
    HostConfig: {
      // An init as PID 1 forwards the stop signal to the server and reaps what it leaves.
      Init: true,
      NetworkMode: spec.network,
      CapDrop: [...CONTAINER_BASELINE.CapDrop],
      SecurityOpt: [...CONTAINER_BASELINE.SecurityOpt],
      ReadonlyRootfs: spec.readOnlyRoot,
      Tmpfs: { ...CONTAINER_TMPFS },
      ...(limits.memoryBytes === undefined
        ? {}
        : { Memory: limits.memoryBytes, MemorySwap: limits.memoryBytes }),
      ...(limits.cpu === undefined ? {} : { NanoCpus: Math.round(limits.cpu * 1e9) }),
      ...(limits.pids === undefined ? {} : { PidsLimit: limits.pids }),
    },
  };
}

export interface InspectedHostConfig {
  readonly Memory?: number;
  readonly NanoCpus?: number;
  readonly PidsLimit?: number | null;
  readonly CapDrop?: readonly string[] | null;
  readonly SecurityOpt?: readonly string[] | null;
  readonly ReadonlyRootfs?: boolean;
}

/**
 * Parts of the baseline the created container lacks (an engine that ignores a field it does not know
 * would otherwise run the server with every default capability). Empty when all are in place.
 */
export function findMissingBaseline(
  spec: Pick<ContainerSpec, "readOnlyRoot">,
  actual: InspectedHostConfig,
): string[] {
  const missing: string[] = [];
  const dropped = (actual.CapDrop ?? []).map((cap) => cap.toUpperCase());
  if (!dropped.includes("ALL")) missing.push("CapDrop ALL");
  if (!(actual.SecurityOpt ?? []).some((option) => /^no-new-privileges(?:[:=]true)?$/.test(option))) {
    missing.push("no-new-privileges");
  }
  if (spec.readOnlyRoot && actual.ReadonlyRootfs !== true) missing.push("read-only root");
  return missing;
}

/** nobody:nogroup on Debian, Alpine and most images; needs no entry in the image's /etc/passwd. */
export const DEFAULT_CONTAINER_USER = "65534:65534";

/** Whether a `User` value (or an image's USER) runs as root: empty, `root` or uid 0, any group. */
export function isRootUser(user: string): boolean {
  const name = user.split(":")[0]?.trim() ?? "";
  return name === "" || name === "root" || name === "0";
}

/**
 * The container's `User`: the config's when set; else the image's own USER when that is not root
 * (undefined keeps it); else nobody. An image that needs root gets it only through `user: root`.
 */
export function chooseContainerUser(
  configured: string | undefined,
  imageUser: string | undefined,
): string | undefined {
  if (configured !== undefined) return configured;
  if (imageUser !== undefined && !isRootUser(imageUser)) return undefined;
  return DEFAULT_CONTAINER_USER;
}

/**
 * Limits asked for that the created container does not have: an engine without the kernel support
 * drops a limit with a warning instead of failing. Empty when every requested limit is in place.
 */
export function findUnappliedLimits(wanted: ContainerLimits, actual: InspectedHostConfig): string[] {
  const missing: string[] = [];
  if (wanted.memoryBytes !== undefined && actual.Memory !== wanted.memoryBytes) missing.push("memory");
  if (wanted.cpu !== undefined && actual.NanoCpus !== Math.round(wanted.cpu * 1e9)) missing.push("cpu");
  if (wanted.pids !== undefined && actual.PidsLimit !== wanted.pids) missing.push("pids");
  return missing;
}

/** `filters` for `GET /containers/json`: containers carrying every one of these labels. */
export function labelFilter(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify({ label: Object.entries(labels).map(([name, value]) => `${name}=${value}`) });
}
