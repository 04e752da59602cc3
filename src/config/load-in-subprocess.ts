// loadConfigFile for the long-lived `corral up`: the same load path, run in a short-lived node process,
// so zod and yaml (about 15 MiB resident) are never loaded into the gateway (docs/architecture.md says
// why a process and not a worker thread).
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CorralError } from "../core/index.js";
import type { ConfigLoadResult, LoadConfigOptions } from "./types.js";

const LOADER = fileURLToPath(new URL("./load-subprocess.js", import.meta.url));
const STDERR_KEPT = 2_000;
/** The loader's first message: it listens, so the request can be sent. */
export const LOADER_READY = "ready";

/** What the gateway sends the loader process. */
export interface LoaderRequest {
  readonly path: string;
  readonly options: LoadConfigOptions;
}

/** What the loader process answers: loadConfigFile's result, or the message of what it threw. */
export type LoaderReply =
  | { readonly ok: true; readonly result: ConfigLoadResult }
  | { readonly ok: false; readonly message: string };

/** loadConfigFile's result, computed in a short-lived node process that exits right after answering. */
export function loadConfigFileInSubprocess(
  path: string,
  options: LoadConfigOptions,
): Promise<ConfigLoadResult> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(LOADER, [], {
      // Structured clone, as for a worker: the result arrives exactly as loadConfigFile built it.
      serialization: "advanced",
      // The gateway's own flags (--inspect, heap sizes) and NODE_OPTIONS are not for the loader; the
      // variables it interpolates travel in options.env.
      execArgv: [],
      env: {},
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let reply: LoaderReply | undefined;
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      stderr = (stderr + text).slice(-STDERR_KEPT);
    });
    child.on("message", (message: typeof LOADER_READY | LoaderReply) => {
      if (message !== LOADER_READY) {
        // Settled now, not on exit: the loader ends by itself once its reply is out, ~20 ms later.
        reply ??= message;
        if (reply.ok) resolvePromise(reply.result);
        else reject(new CorralError("INTERNAL_ERROR", reply.message));
      } else {
        try {
          child.send({ path, options } satisfies LoaderRequest);
        } catch (error) {
          reject(error);
          child.kill();
        }
      }
    });
    child.once("error", reject);
    // "close", not "exit": by then stderr has been read to the end.
    child.once("close", (code, signal) => {
      if (reply !== undefined) return;
      const how = signal === null ? `with code ${code}` : `on ${signal}`;
      const output = stderr.trim() === "" ? "" : `: ${stderr.trim()}`;
      reject(
        new CorralError(
          "INTERNAL_ERROR",
          `the config loader process exited ${how} without an answer${output}`,
        ),
      );
    });
  });
}
