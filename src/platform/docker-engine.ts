// A minimal Docker Engine API client over the engine's unix socket (node:http, no SDK): the calls a
// container server's life needs, and the label listing the start-up sweep needs. The API version is
// negotiated once from `/_ping`: the engine's own, capped at what this client was written against.

import { type IncomingMessage, request } from "node:http";
import type { Socket } from "node:net";
import { CorralError, describeError } from "../core/index.js";
import {
  buildCreateBody,
  type ContainerSpec,
  type InspectedHostConfig,
  labelFilter,
  splitImageReference,
} from "./docker-requests.js";

/** Newest API this client knows; engines that are newer still answer it. */
const PREFERRED_API = "1.44";
/** Oldest API with everything used here (Docker 20.10, Podman's compat API). */
const MINIMUM_API = "1.41";
const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface ContainerInspect {
  readonly Id: string;
  readonly State: {
    readonly Status: string;
    readonly Running: boolean;
    readonly ExitCode: number;
    readonly OOMKilled: boolean;
    readonly Pid: number;
  };
  readonly HostConfig: InspectedHostConfig & {
    readonly NetworkMode?: string;
    readonly Init?: boolean;
    readonly Tmpfs?: Readonly<Record<string, string>> | null;
  };
  readonly Config: { readonly Labels: Readonly<Record<string, string>> | null; readonly User?: string };
}

export interface ImageInspect {
  readonly Id: string;
  readonly Config: { readonly User?: string } | null;
}

export interface ContainerSummary {
  readonly Id: string;
  readonly Names: readonly string[];
  readonly State: string;
  readonly Labels: Readonly<Record<string, string>>;
}

/** How a wait ended: the container's exit, or the engine connection that carried the wait broke. */
export type WaitOutcome =
  | { readonly kind: "exited"; readonly statusCode: number; readonly error?: string }
  | { readonly kind: "lost"; readonly reason: string };

export interface AttachedStreams {
  /** The hijacked connection: write = the container's stdin; read = multiplexed stdout/stderr frames. */
  readonly socket: Socket;
  /** Frame bytes that arrived with the upgrade answer. */
  readonly head: Buffer;
}

export interface DockerEngine {
  readonly socketPath: string;
  /** Resolves with the negotiated API version once the engine answers. */
  ping(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<string>;
  /** The image's inspect, or undefined when the engine does not have it. */
  inspectImage(reference: string, signal?: AbortSignal): Promise<ImageInspect | undefined>;
  pullImage(reference: string, signal?: AbortSignal): Promise<void>;
  createContainer(
    spec: ContainerSpec,
    name: string,
    signal?: AbortSignal,
  ): Promise<{ id: string; warnings: string[] }>;
  attachContainer(id: string, signal?: AbortSignal): Promise<AttachedStreams>;
  startContainer(id: string, signal?: AbortSignal): Promise<void>;
  /** Resolves when the container is not running (at once if it already is not). Never rejects. */
  waitContainer(id: string): Promise<WaitOutcome>;
  inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerInspect>;
  /** The engine's stop: the image's stop signal, then SIGKILL after `graceSeconds`. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** Force-removes the container and its anonymous volumes; gone already is fine. */
  removeContainer(id: string): Promise<void>;
  listContainers(labels: Readonly<Record<string, string>>): Promise<ContainerSummary[]>;
}

interface Call {
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
  /** undefined: DEFAULT_TIMEOUT_MS; null: none (streams that last as long as the container). */
  readonly timeoutMs?: number | null;
  /** What the call is for, in an error message: "create the container of server fs". */
  readonly what: string;
}

function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

async function readBody(response: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (size < limit) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks);
}

function engineMessage(body: Buffer): string {
  const text = body.toString("utf8").trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON: the text itself is the message
  }
  return text.slice(0, 500);
}

export function createDockerEngine(options: { readonly socketPath: string }): DockerEngine {
  const { socketPath } = options;
  let version: Promise<string> | undefined;

  function unreachable(error: unknown, what: string): CorralError {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `unix://${socketPath}`;
    const hint =
      code === "EACCES"
        ? `permission denied on ${socketPath}: run corral as a user allowed to use the engine (the docker group)`
        : `runtime: container needs a Docker-compatible engine (Docker, or Podman's docker socket); start one, or set DOCKER_HOST=unix:///path/to/its.sock`;
    const how =
      code === "ENOENT" || code === "ECONNREFUSED" || code === "EACCES" || code === "ENOTSOCK"
        ? `no Docker engine answers at ${where} (${code})`
        : `lost the Docker engine at ${where} while trying to ${what} (${describeError(error)})`;
    return new CorralError("CONTAINER_ENGINE_UNREACHABLE", `${how}; ${hint}`, { cause: error });
  }

  /** Sends one call; resolves once the answer's headers are in. */
  function send(call: Call, apiVersion: string | undefined): Promise<IncomingMessage> {
    const query = new URLSearchParams(
      Object.entries(call.query ?? {}).map(([key, value]): [string, string] => [key, String(value)]),
    ).toString();
    const path = `${apiVersion === undefined ? "" : `/v${apiVersion}`}${call.path}${query === "" ? "" : `?${query}`}`;
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    return new Promise((resolve, reject) => {
      const req = request({
        socketPath,
        path,
        method: call.method,
        agent: false,
        headers: {
          host: "docker",
          ...(body === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(body) }),
        },
        ...(call.signal === undefined ? {} : { signal: call.signal }),
      });
      const timeoutMs = call.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : call.timeoutMs;
      const timer =
        timeoutMs === null
          ? undefined
          : setTimeout(() => {
              req.destroy(
                new CorralError(
                  "CONTAINER_FAILED",
                  `the Docker engine at unix://${socketPath} did not answer within ${timeoutMs}ms when asked to ${call.what}`,
                ),
              );
            }, timeoutMs);
      req.once("response", (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      req.once("error", (error) => {
        clearTimeout(timer);
        if (call.signal?.aborted) reject(call.signal.reason);
        else if (error instanceof CorralError) reject(error);
        else reject(unreachable(error, call.what));
      });
      req.end(body);
    });
  }

  function negotiate(signal?: AbortSignal, timeoutMs?: number): Promise<string> {
    if (version !== undefined) return version;
    const attempt = (async () => {
      const response = await send(
        { method: "GET", path: "/_ping", signal, timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS, what: "ping" },
        undefined,
      );
      await readBody(response, MAX_ERROR_BODY_BYTES);
      const header = response.headers["api-version"];
      const offered = typeof header === "string" && /^\d+\.\d+$/.test(header) ? header : MINIMUM_API;
      if (compareVersions(offered, MINIMUM_API) < 0) {
        throw new CorralError(
          "CONTAINER_FAILED",
          `the Docker engine at unix://${socketPath} speaks API ${offered}; runtime: container needs ${MINIMUM_API} or later (Docker 20.10+)`,
        );
      }
      return compareVersions(offered, PREFERRED_API) < 0 ? offered : PREFERRED_API;
    })();
    version = attempt;
    // A failed negotiation is not remembered: the engine may be started later.
    attempt.catch(() => {
      if (version === attempt) version = undefined;
    });
    return attempt;
  }

  /** A call whose answer is small JSON (or nothing); statuses in `accept` besides 2xx are not errors. */
  async function call(spec: Call, accept: readonly number[] = []): Promise<{ status: number; body: Buffer }> {
    const response = await send(spec, await negotiate(spec.signal));
    const status = response.statusCode ?? 0;
    const ok = (status >= 200 && status < 300) || accept.includes(status);
    const body = await readBody(response, ok ? Number.POSITIVE_INFINITY : MAX_ERROR_BODY_BYTES);
    if (!ok) {
      throw new CorralError(
        "CONTAINER_FAILED",
        `the Docker engine refused to ${spec.what}: ${status} ${engineMessage(body)}`,
        { details: { status } },
      );
    }
    return { status, body };
  }

  const json = <T>(body: Buffer): T => JSON.parse(body.toString("utf8")) as T;
  const containerPath = (id: string) => `/containers/${encodeURIComponent(id)}`;

  async function inspectImage(reference: string, signal?: AbortSignal): Promise<ImageInspect | undefined> {
    const { status, body } = await call(
      { method: "GET", path: `/images/${reference}/json`, signal, what: `look up image ${reference}` },
      [404],
    );
    return status === 404 ? undefined : json<ImageInspect>(body);
  }

  return {
    socketPath,

    ping(pingOptions = {}) {
      return negotiate(pingOptions.signal, pingOptions.timeoutMs);
    },

    inspectImage,

    async pullImage(reference, signal) {
      const { name, tag } = splitImageReference(reference);
      const what = `pull image ${reference}`;
      const response = await send(
        {
          method: "POST",
          path: "/images/create",
          query: { fromImage: name, tag },
          signal,
          timeoutMs: null,
          what,
        },
        await negotiate(signal),
      );
      const body = await readBody(response);
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        throw new CorralError(
          "CONTAINER_FAILED",
          `the Docker engine could not ${what}: ${engineMessage(body)}`,
        );
      }
      // A pull answers 200 at once and reports failures as `{"error": …}` lines in its progress stream.
      for (const line of body.toString("utf8").split("\n")) {
        if (!line.includes('"error"')) continue;
        const progress = JSON.parse(line) as { error?: string };
        if (progress.error !== undefined) {
          throw new CorralError("CONTAINER_FAILED", `the Docker engine could not ${what}: ${progress.error}`);
        }
      }
    },

    async createContainer(spec, name, signal) {
      const { body } = await call({
        method: "POST",
        path: "/containers/create",
        query: { name },
        body: buildCreateBody(spec),
        signal,
        what: `create a container from image ${spec.image}`,
      });
      const created = json<{ Id: string; Warnings?: string[] | null }>(body);
      return { id: created.Id, warnings: created.Warnings ?? [] };
    },

    async attachContainer(id, signal) {
      const apiVersion = await negotiate(signal);
      const path = `/v${apiVersion}${containerPath(id)}/attach?stream=1&stdin=1&stdout=1&stderr=1`;
      return new Promise<AttachedStreams>((resolve, reject) => {
        const req = request({
          socketPath,
          path,
          method: "POST",
          agent: false,
          headers: { host: "docker", connection: "Upgrade", upgrade: "tcp" },
          ...(signal === undefined ? {} : { signal }),
        });
        req.once("upgrade", (_response, socket, head) => {
          // Until the caller listens, a reset must not be an uncaught 'error': it shows as the close.
          socket.on("error", () => {});
          resolve({ socket, head });
        });
        req.once("response", (response) => {
          // Not upgraded: the answer is an error.
          void readBody(response, MAX_ERROR_BODY_BYTES).then((body) =>
            reject(
              new CorralError(
                "CONTAINER_FAILED",
                `the Docker engine refused to attach to container ${id.slice(0, 12)}: ${response.statusCode} ${engineMessage(body)}`,
              ),
            ),
          );
        });
        req.once("error", (error) => {
          reject(signal?.aborted ? signal.reason : unreachable(error, "attach to a container"));
        });
        req.end();
      });
    },

    async startContainer(id, signal) {
      await call(
        {
          method: "POST",
          path: `${containerPath(id)}/start`,
          signal,
          what: `start container ${id.slice(0, 12)}`,
        },
        [304],
      );
    },

    async waitContainer(id) {
      try {
        const { body } = await call({
          method: "POST",
          path: `${containerPath(id)}/wait`,
          query: { condition: "not-running" },
          timeoutMs: null,
          what: `wait for container ${id.slice(0, 12)}`,
        });
        const result = json<{ StatusCode: number; Error?: { Message?: string } | null }>(body);
        const error = result.Error?.Message;
        return error === undefined || error === ""
          ? { kind: "exited", statusCode: result.StatusCode }
          : { kind: "exited", statusCode: result.StatusCode, error };
      } catch (error) {
        return { kind: "lost", reason: describeError(error) };
      }
    },

    async inspectContainer(id, signal) {
      const { body } = await call({
        method: "GET",
        path: `${containerPath(id)}/json`,
        signal,
        what: `inspect container ${id.slice(0, 12)}`,
      });
      return json<ContainerInspect>(body);
    },

    async stopContainer(id, graceSeconds) {
      await call(
        {
          method: "POST",
          path: `${containerPath(id)}/stop`,
          query: { t: graceSeconds },
          timeoutMs: graceSeconds * 1_000 + DEFAULT_TIMEOUT_MS,
          what: `stop container ${id.slice(0, 12)}`,
        },
        [304, 404],
      );
    },

    async removeContainer(id) {
      // 409: a removal is already in progress; 404: gone. Either way it will not stay.
      await call(
        {
          method: "DELETE",
          path: containerPath(id),
          query: { force: 1, v: 1 },
          what: `remove container ${id.slice(0, 12)}`,
        },
        [404, 409],
      );
    },

    async listContainers(labels) {
      const { body } = await call({
        method: "GET",
        path: "/containers/json",
        query: { all: 1, filters: labelFilter(labels) },
        what: "list containers",
      });
      return json<ContainerSummary[]>(body);
    },
  };
}
