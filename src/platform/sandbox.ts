// The bubblewrap (`bwrap`) sandbox around a server: a read-only view of the host, private /tmp, only
// the listed folders writable, no network unless asked, its own PID namespace, and death with its
// parent. See docs/isolation.md.

import { statSync } from "node:fs";
import { CorralError } from "../core/index.js";
import { resolveExecutable } from "./which.js";

export interface SandboxSpec {
  readonly network: "none" | "host";
  readonly readOnly: readonly string[];
  readonly writable: readonly string[];
  readonly tmp: "private" | "host";
  readonly cwd: string;
}

/**
 * The sandboxed server must still get the stop ladder's SIGTERM: bwrap itself has no handler and
 * would die of it, and `--die-with-parent` would then SIGKILL the server before it could act. So
 * bwrap runs with TERM/INT/HUP ignored (ignored signals survive exec), and `env --default-signal`
 * gives the server back the default actions. The server is in the stop ladder's process group, so
 * the group's SIGTERM reaches it directly; the SIGKILL rung kills bwrap, which takes the sandbox.
 */
const IGNORE_STOP_SIGNALS = `trap '' TERM INT HUP; exec "$@"`;

export interface SandboxTools {
  readonly bwrap: string;
  readonly env: string;
}

/** Where `bwrap` (and `env`) are, or a clear error naming the package to install. */
export function findSandboxTools(pathVariable: string, server: string): SandboxTools {
  const bwrap = resolveExecutable("bwrap", pathVariable, "/");
  const env = resolveExecutable("env", `/usr/bin:/bin:${pathVariable}`, "/");
  if (bwrap === undefined) {
    throw new CorralError(
      "ISOLATION_UNAVAILABLE",
      `server "${server}" asks for a sandbox, but bubblewrap ("bwrap") is not installed (PATH=${pathVariable}); install the "bubblewrap" package (apt-get install bubblewrap, dnf install bubblewrap) or remove "sandbox"`,
      { server },
    );
  }
  if (env === undefined) {
    throw new CorralError(
      "ISOLATION_UNAVAILABLE",
      `server "${server}" asks for a sandbox, but "env" (coreutils) was not found`,
      {
        server,
      },
    );
  }
  return { bwrap, env };
}

function requireFolder(path: string, key: string, server: string): void {
  let exists = false;
  try {
    statSync(path);
    exists = true;
  } catch {
    // reported below
  }
  if (!exists) {
    throw new CorralError(
      "SPAWN_FAILED",
      `sandbox.${key} of server "${server}" names "${path}", which does not exist; create it or remove it from the list`,
      { server },
    );
  }
}

/** The argv that runs `command args` inside the sandbox. */
export function sandboxArgv(
  tools: SandboxTools,
  spec: SandboxSpec,
  server: string,
  command: string,
  args: readonly string[],
): string[] {
  const argv = [
    "/bin/sh",
    "-c",
    IGNORE_STOP_SIGNALS,
    "corral-sandbox",
    tools.bwrap,
    "--die-with-parent",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    ...(spec.network === "none" ? ["--unshare-net"] : []),
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    ...(spec.tmp === "private" ? ["--tmpfs", "/tmp"] : []),
  ];
  for (const path of spec.writable) {
    requireFolder(path, "writable", server);
    argv.push("--bind", path, path);
  }
  // After the writable binds, so a read-only folder inside a writable one stays read-only.
  for (const path of spec.readOnly) {
    requireFolder(path, "readOnly", server);
    argv.push("--ro-bind", path, path);
  }
  argv.push("--chdir", spec.cwd, "--", tools.env, "--default-signal=TERM,INT,HUP", command, ...args);
  return argv;
}
