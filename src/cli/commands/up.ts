// `corral up`: load the config, take the state dir, end leftovers, start the servers, listen, and on
// SIGINT/SIGTERM drain (stop listening, stop every server through its ladder) and exit 0. This file
// reads the arguments and starts loading the config; up-gateway.ts, imported meanwhile, does the rest.

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfigFileInSubprocess } from "../../config/runtime.js";
import { resolveConfigPath } from "../config-path.js";
import { type CliIo, UsageError } from "../io.js";

export interface UpHooks {
  /** Resolves when the gateway should shut down; defaults to SIGINT/SIGTERM. */
  readonly shutdownSignal?: Promise<string>;
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got "${text}"`);
  }
  return port;
}

export async function runUp(argv: readonly string[], io: CliIo, hooks: UpHooks = {}): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: "string", short: "c" },
      host: { type: "string" },
      port: { type: "string", short: "p" },
      "state-dir": { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
      containment: { type: "string" },
      cgroups: { type: "string" },
    },
    strict: true,
  });
  const configPath = resolveConfigPath(values.config, io.cwd);
  const port = parsePort(values.port);
  const overrides = {
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(port === undefined ? {} : { port }),
    ...(values["state-dir"] === undefined ? {} : { stateDir: resolve(io.cwd, values["state-dir"]) }),
  };
  // Validated in a short-lived process: zod and yaml are never loaded into the long-lived gateway. The
  // gateway's modules load meanwhile, on the other core.
  const [loaded, { runGateway }] = await Promise.all([
    loadConfigFileInSubprocess(configPath, { env: io.env, overrides }),
    import("./up-gateway.js"),
  ]);
  return runGateway({
    loaded,
    configPath,
    logLevel: values["log-level"],
    logFormat: values["log-format"],
    containment: values.containment,
    cgroups: values.cgroups,
    io,
    hooks,
  });
}
