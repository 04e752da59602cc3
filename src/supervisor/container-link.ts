// A link to a server running in a container (`runtime: container`): the image made sure of, the
// container created with Corral's labels and limits, attached (stdin, and stdout/stderr frames), started
// and waited for. Ending it closes stdin, asks the engine to stop it, and removes it.

import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { constants } from "node:os";
import type { ServerConfig, StopPolicy } from "../config/index.js";
import { CorralError, describeError, settlesWithin } from "../core/index.js";
import {
  chooseContainerUser,
  type DockerEngine,
  FrameDemuxer,
  findMissingBaseline,
  findUnappliedLimits,
  type ImageInspect,
  LABEL_GATEWAY,
  LABEL_INSTANCE,
  LABEL_MANAGED,
  LABEL_SERVER,
} from "../platform/index.js";
import type { RunEndKind } from "./instance-state.js";
import { LineSplitter } from "./line-splitter.js";
import { writeJsonLine } from "./line-writer.js";
import type { Link, LinkCallbacks, LinkEnd } from "./link.js";
import type { StopOutcome, StopRung } from "./stop-ladder.js";

export interface ContainerLinkOptions {
  readonly server: ServerConfig;
  readonly instanceId: string;
  readonly engine: DockerEngine;
  /** Identifies this gateway's containers (see container-sweep.ts). */
  readonly gatewayKey: string;
  /** Only the variables `inheritEnv` names are taken from it. */
  readonly gatewayEnv: Readonly<Record<string, string | undefined>>;
}

const MAX_LINE_BYTES = 64 * 1024 * 1024;
const MAX_STDERR_LINE_BYTES = 16 * 1024;
/** How long the end waits for the attach stream's last bytes (the last stderr line is the reason). */
const DRAIN_MS = 1_000;
const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/** The container's environment: exactly what the config names; the host's PATH or HOME mean nothing inside. */
export function buildContainerEnv(
  server: Pick<ServerConfig, "env" | "inheritEnv">,
  gatewayEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of server.inheritEnv) {
    const value = gatewayEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...server.env };
}

/** "exit code 143 (signal SIGTERM)": the init inside reports a server killed by signal N as 128+N. */
export function describeContainerExit(statusCode: number, oomKilled: boolean): string {
  if (oomKilled) return "oom-killed";
  const signal = statusCode > 128 ? SIGNAL_NAMES.get(statusCode - 128) : undefined;
  return signal === undefined ? `exit code ${statusCode}` : `exit code ${statusCode} (signal ${signal})`;
}

/** Pulls the image as `pull` says; its inspect (for its USER), or undefined when the engine lacks it. */
async function ensureImage(
  engine: DockerEngine,
  server: ServerConfig,
  image: string,
  pull: "missing" | "always" | "never",
  say: (line: string) => void,
  signal: AbortSignal,
): Promise<ImageInspect | undefined> {
  if (pull !== "always") {
    const found = await engine.inspectImage(image, signal);
    if (found !== undefined || pull === "never") return found;
  }
  say(`[corral] pulling image ${image} for server "${server.name}"`);
  await engine.pullImage(image, signal);
  return engine.inspectImage(image, signal);
}

export async function openContainerLink(
  options: ContainerLinkOptions,
  callbacks: LinkCallbacks,
  signal: AbortSignal,
): Promise<Link> {
  const { server, engine } = options;
  const settings = server.container;
  if (settings === undefined) {
    throw new CorralError("CONTAINER_FAILED", `server "${server.name}" is not a container server`, {
      server: server.name,
    });
  }
  const say = callbacks.onDiagnostic;
  // A missing image (pull: never) is left to the create below, which says so.
  const image = await ensureImage(engine, server, settings.image, settings.pull, say, signal);
  const user = chooseContainerUser(settings.user, image?.Config?.User);
  const limits = server.limits ?? { enforce: "strict" as const };
  const name = `corral-${options.instanceId}-${randomBytes(3).toString("hex")}`;
  const created = await engine
    .createContainer(
      {
        image: settings.image,
        args: server.args,
        env: buildContainerEnv(server, options.gatewayEnv),
        labels: {
          [LABEL_MANAGED]: "true",
          [LABEL_GATEWAY]: options.gatewayKey,
          [LABEL_SERVER]: server.name,
          [LABEL_INSTANCE]: options.instanceId,
        },
        limits,
        network: settings.network,
        ...(user === undefined ? {} : { user }),
        readOnlyRoot: settings.readOnlyRoot,
      },
      name,
      signal,
    )
    .catch((error: unknown) => {
      const status = (error as CorralError).details?.status;
      if (status === 404 && settings.pull === "never") {
        throw new CorralError(
          "CONTAINER_FAILED",
          `image ${settings.image} of server "${server.name}" is not on the Docker engine and pull is never; pull it, or set pull: missing`,
          { server: server.name, cause: error },
        );
      }
      throw error;
    });
  const { id } = created;
  try {
    for (const warning of created.warnings) say(`[corral] engine warning: ${warning}`);
    const inspected = await engine.inspectContainer(id, signal);
    // The baseline is not negotiable: an engine that dropped part of it does not get to run the server.
    const unsafe = findMissingBaseline({ readOnlyRoot: settings.readOnlyRoot }, inspected.HostConfig);
    if (unsafe.length > 0) {
      throw new CorralError(
        "CONTAINER_FAILED",
        `the Docker engine did not apply ${unsafe.join(", ")} to the container of server "${server.name}"; use an engine that supports them (Docker 20.10+, Podman 4+)`,
        { server: server.name },
      );
    }
    if (limits.memoryBytes !== undefined || limits.cpu !== undefined || limits.pids !== undefined) {
      const missing = findUnappliedLimits(limits, inspected.HostConfig);
      if (missing.length > 0) {
        const which = missing.map((key) => `limits.${key}`).join(", ");
        if (limits.enforce === "strict") {
          throw new CorralError(
            "CONTAINER_FAILED",
            `the Docker engine did not apply ${which} to the container of server "${server.name}" (${created.warnings.join("; ") || "no warning given"}); fix the engine's cgroup support, or set limits.enforce: best-effort`,
            { server: server.name },
          );
        }
        say(`[corral] the engine did not apply ${which}; running without (limits.enforce: best-effort)`);
      }
    }
    const attached = await engine.attachContainer(id, signal);
    await engine.startContainer(id, signal).catch((error: unknown) => {
      attached.socket.destroy();
      throw error;
    });
    say(`[corral] container ${id.slice(0, 12)} (${name}) started from ${settings.image}`);
    return linkToContainer(options, id, attached, callbacks);
  } catch (error) {
    await engine.removeContainer(id).catch(() => {});
    throw error;
  }
}

function linkToContainer(
  options: ContainerLinkOptions,
  id: string,
  attached: { readonly socket: Socket; readonly head: Buffer },
  callbacks: LinkCallbacks,
): Link {
  const { engine } = options;
  const { socket } = attached;
  const stdout = new LineSplitter({ maxLineBytes: MAX_LINE_BYTES, onLine: callbacks.onLine });
  const stderr = new LineSplitter({
    maxLineBytes: MAX_STDERR_LINE_BYTES,
    onLine: (line) => callbacks.onDiagnostic(line.toString("utf8")),
    onOverlong: (bytes) => callbacks.onDiagnostic(`[corral: ${bytes} bytes without a newline dropped]`),
  });
  const demuxer = new FrameDemuxer({
    onData: (stream, payload) => (stream === "stdout" ? stdout : stderr).push(payload),
    onCorrupt: (reason) => {
      callbacks.onDiagnostic(`[corral] ${reason}; detaching`);
      socket.destroy();
    },
  });
  const closed = socket.destroyed
    ? Promise.resolve()
    : new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("data", (chunk: Buffer) => demuxer.push(chunk));
  socket.once("end", () => {
    stdout.flush();
    stderr.flush();
  });
  demuxer.push(attached.head);

  let endInfo: LinkEnd | undefined;
  const ended = engine.waitContainer(id).then(async (outcome): Promise<LinkEnd> => {
    let reason: string;
    let kind: RunEndKind = "connection-closed";
    if (outcome.kind === "lost") {
      reason = `engine connection lost: ${outcome.reason}`;
    } else {
      await settlesWithin(closed, DRAIN_MS);
      const oomKilled = await engine.inspectContainer(id).then(
        (inspected) => inspected.State.OOMKilled,
        () => false,
      );
      reason = describeContainerExit(outcome.statusCode, oomKilled);
      kind = oomKilled ? "oom-killed" : outcome.statusCode > 128 ? "killed-by-signal" : "exited";
      if (outcome.error !== undefined) reason += ` (${outcome.error})`;
    }
    endInfo = { reason, kind };
    return endInfo;
  });

  return {
    pid: undefined,
    record: undefined,
    ended,
    get endInfo() {
      return endInfo;
    },
    writeLine(line) {
      if (socket.destroyed || socket.writableEnded) return false;
      writeJsonLine(socket, line);
      return true;
    },
    terminate: (stop) => terminateContainer(engine, id, socket, ended, () => endInfo, stop, callbacks),
  };
}

async function terminateContainer(
  engine: DockerEngine,
  id: string,
  socket: Socket,
  ended: Promise<LinkEnd>,
  endInfo: () => LinkEnd | undefined,
  policy: StopPolicy,
  callbacks: LinkCallbacks,
): Promise<StopOutcome> {
  const startedAt = Date.now();
  let rung: StopRung;
  if (endInfo() !== undefined) {
    rung = "already-exited";
  } else {
    // StdinOnce: the engine closes the container's stdin when the attached client closes its side.
    socket.end();
    if (await settlesWithin(ended, policy.stdinGraceMs)) {
      rung = "stdin";
    } else {
      // The engine counts its grace in whole seconds: round up, never cut a server's grace short.
      const graceSeconds = Math.ceil(policy.termGraceMs / 1_000);
      const stopping = engine.stopContainer(id, graceSeconds).then(
        () => undefined,
        (error: unknown) => callbacks.onDiagnostic(`[corral] ${describeError(error)}`),
      );
      if (graceSeconds > 0 && (await settlesWithin(ended, graceSeconds * 1_000 - 50))) {
        rung = "sigterm";
      } else {
        await stopping;
        await settlesWithin(ended, DRAIN_MS);
        rung = "sigkill";
      }
      await stopping;
    }
  }
  await engine
    .removeContainer(id)
    .catch((error: unknown) => callbacks.onDiagnostic(`[corral] ${describeError(error)}`));
  socket.destroy();
  return { rung, durationMs: Date.now() - startedAt };
}
