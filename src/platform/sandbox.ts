// The bubblewrap (`bwrap`) sandbox around a server: no capabilities, its own user, PID, IPC and UTS
// namespaces, a read view that hides the host by default (sandbox-view.ts), private /tmp, only the
// listed folders writable, no network unless asked, its own session. See docs/isolation.md.

import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { CorralError } from "../core/index.js";
import { type ReadViewSpec, readViewArgs } from "./sandbox-view.js";
import { resolveExecutable } from "./which.js";

/** What the server may see (the read view) and whether it has a network. */
export interface SandboxSpec extends ReadViewSpec {
  readonly network: "none" | "host";
}

/**
 * The sandboxed server must still get the stop ladder's SIGTERM: bwrap itself has no handler and
 * would die of it, and `--die-with-parent` would then SIGKILL the server before it could act. So
 * bwrap runs with TERM/INT/HUP ignored (ignored signals survive exec); inside, `env --default-signal`
 * gives the relay below back the default actions.
 */
const IGNORE_STOP_SIGNALS = `trap '' TERM INT HUP; exec "$@"`;

/**
 * Inside the sandbox: runs the server in a session of its own (what bwrap's `--new-session` does: no
 * controlling terminal, and no way to signal the gateway's process group), and passes the stop
 * ladder's TERM/INT/HUP on to the server's group. bwrap's own `--new-session` would put this relay
 * out of the group too, and the stop ladder's SIGTERM would reach nobody. The relay itself stays in
 * the instance's process group, where the group signal finds it; `setsid` does not fork here (a
 * background job of a non-interactive shell is not a group leader), so the server's group is `$c`.
 */
const SESSION_RELAY = [
  "exec 3<&0",
  '"$@" <&3 3<&- &',
  "c=$!",
  "exec 3<&-",
  "trap 'kill -TERM -$c 2>/dev/null || kill -TERM $c 2>/dev/null' TERM",
  "trap 'kill -INT -$c 2>/dev/null || kill -INT $c 2>/dev/null' INT",
  "trap 'kill -HUP -$c 2>/dev/null || kill -HUP $c 2>/dev/null' HUP",
  "while :; do wait $c; s=$?; kill -0 $c 2>/dev/null || break; done",
  "exit $s",
].join("\n");

export interface SandboxTools {
  readonly bwrap: string;
  readonly env: string;
  readonly setsid: string;
  /** bwrap can make a user namespace (false only for a non-root gateway with a setuid bwrap). */
  readonly userNamespace: boolean;
}

/** bwrap's answer per binary: whether it can make a user namespace and drop every capability. */
const userNamespaceProbes = new Map<string, { readonly ok: boolean; readonly message: string }>();

function probeUserNamespace(bwrap: string): { readonly ok: boolean; readonly message: string } {
  const known = userNamespaceProbes.get(bwrap);
  if (known !== undefined) return known;
  const result = spawnSync(
    bwrap,
    ["--unshare-user", "--cap-drop", "ALL", "--ro-bind", "/", "/", "--", "/bin/true"],
    { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], timeout: 5_000 },
  );
  const probe = {
    ok: result.status === 0,
    message: (result.stderr ?? "").trim() || result.error?.message || `exit code ${result.status}`,
  };
  userNamespaceProbes.set(bwrap, probe);
  return probe;
}

function isRoot(): boolean {
  return process.geteuid?.() === 0;
}

/**
 * Where `bwrap`, `env` and `setsid` are, or a clear error naming the package to install; as root, a
 * host where bwrap cannot make a user namespace is refused: the server would keep root's identity
 * with nothing between it and the host's own mounts.
 */
export function findSandboxTools(pathVariable: string, server: string): SandboxTools {
  const bwrap = resolveExecutable("bwrap", pathVariable, "/");
  const env = resolveExecutable("env", `/usr/bin:/bin:${pathVariable}`, "/");
  const setsid = resolveExecutable("setsid", `/usr/bin:/bin:${pathVariable}`, "/");
  if (bwrap === undefined) {
    throw new CorralError(
      "ISOLATION_UNAVAILABLE",
      `server "${server}" asks for a sandbox, but bubblewrap ("bwrap") is not installed (PATH=${pathVariable}); install the "bubblewrap" package (apt-get install bubblewrap, dnf install bubblewrap) or remove "sandbox"`,
      { server },
    );
  }
  for (const [name, path, from] of [
    ["env", env, "coreutils"],
    ["setsid", setsid, "util-linux"],
  ] as const) {
    if (path === undefined) {
      throw new CorralError(
        "ISOLATION_UNAVAILABLE",
        `server "${server}" asks for a sandbox, but "${name}" (${from}) was not found`,
        { server },
      );
    }
  }
  const probe = probeUserNamespace(bwrap);
  if (!probe.ok && isRoot()) {
    throw new CorralError(
      "ISOLATION_UNAVAILABLE",
      `server "${server}" asks for a sandbox, but bubblewrap cannot create a user namespace here (${probe.message}); Corral runs as root and will not sandbox a server without one: allow user namespaces (sysctl user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns) or run Corral as a normal user`,
      { server },
    );
  }
  return { bwrap, env: env as string, setsid: setsid as string, userNamespace: probe.ok };
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
  for (const [key, paths] of [
    ["readable", spec.readable],
    ["writable", spec.writable],
    ["readOnly", spec.readOnly],
  ] as const) {
    for (const path of paths) requireFolder(path, key, server);
  }
  const defaultSignals = "--default-signal=TERM,INT,HUP";
  return [
    "/bin/sh",
    "-c",
    IGNORE_STOP_SIGNALS,
    "corral-sandbox",
    tools.bwrap,
    "--die-with-parent",
    "--cap-drop",
    "ALL",
    ...(tools.userNamespace ? ["--unshare-user"] : []),
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    ...(spec.network === "none" ? ["--unshare-net"] : []),
    ...readViewArgs(spec, command, args),
    "--chdir",
    spec.cwd,
    "--",
    tools.env,
    defaultSignals,
    "/bin/sh",
    "-c",
    SESSION_RELAY,
    "corral-sandbox-relay",
    tools.setsid,
    tools.env,
    defaultSignals,
    command,
    ...args,
  ];
}
