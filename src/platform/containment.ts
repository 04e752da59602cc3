// How a server's whole process tree is tied to the gateway's life. Preferred: a PID namespace per
// instance whose init dies with the gateway (parent-death signal), so the kernel kills every
// descendant, setsid double forks included, the moment Corral dies. See docs/process-containment.md.

import { spawnSync } from "node:child_process";
import { CorralError } from "../core/index.js";

export type ContainmentKind =
  | "pid-namespace"
  | "user-pid-namespace"
  | "parent-death-signal"
  | "process-group";

export interface Containment {
  readonly kind: ContainmentKind;
  /** What an operator reads in `corral doctor`/logs. */
  readonly description: string;
}

/**
 * The init of each instance's PID namespace. A process that is PID 1 of a namespace receives, from
 * outside, only signals it has a handler for; most servers install none for SIGTERM, so a plain
 * server as PID 1 would ignore the stop ladder's SIGTERM. This shell forwards TERM/INT/HUP to the
 * server, keeps the server's stdin (a background job would get /dev/null), and exits with its status.
 * When it exits the kernel kills whatever else is left in the namespace.
 */
export const NAMESPACE_INIT_SCRIPT = [
  "exec 3<&0",
  '"$@" <&3 3<&- &',
  "c=$!",
  "exec 3<&-",
  "trap 'kill -TERM $c 2>/dev/null' TERM",
  "trap 'kill -INT $c 2>/dev/null' INT",
  "trap 'kill -HUP $c 2>/dev/null' HUP",
  "while :; do wait $c; s=$?; kill -0 $c 2>/dev/null || break; done",
  "exit $s",
].join("\n");

const UNSHARE_BASE = ["--pid", "--fork", "--kill-child=SIGKILL"];

function probe(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 5_000 });
  return result.status === 0;
}

export const CONTAINMENT_KINDS: readonly ContainmentKind[] = [
  "pid-namespace",
  "user-pid-namespace",
  "parent-death-signal",
  "process-group",
];

/**
 * The containment an operator asked for (`--containment`), or the strongest available for "auto".
 * Asking for one the host cannot provide is an error, never a silent downgrade.
 */
export function chooseContainment(requested: ContainmentKind | "auto"): Containment {
  const best = detectContainment();
  if (requested === "auto" || requested === best.kind) return best;
  const order = CONTAINMENT_KINDS;
  if (order.indexOf(requested) < order.indexOf(best.kind)) {
    throw new CorralError(
      "ISOLATION_UNAVAILABLE",
      `containment "${requested}" is not available on this host (best: "${best.kind}", ${best.description})`,
    );
  }
  const descriptions: Record<ContainmentKind, string> = {
    "pid-namespace": "PID namespace per instance",
    "user-pid-namespace": "user + PID namespace per instance",
    "parent-death-signal": "parent-death signal on each server process (chosen by the operator)",
    "process-group":
      "process group only (chosen by the operator): descendants may outlive a killed gateway until the next start",
  };
  return { kind: requested, description: descriptions[requested] };
}

/** Finds the strongest containment this host allows. Runs a few tiny probes; call once at start-up. */
export function detectContainment(platform: NodeJS.Platform = process.platform): Containment {
  if (platform !== "linux") {
    return {
      kind: "process-group",
      description: "process group only (not Linux): descendants may outlive a killed gateway",
    };
  }
  const hasSetpriv = probe("setpriv", ["--pdeathsig", "KILL", "--", "true"]);
  if (hasSetpriv && probe("unshare", [...UNSHARE_BASE, "--", "true"])) {
    return {
      kind: "pid-namespace",
      description: "PID namespace per instance, killed with the gateway (setpriv + unshare)",
    };
  }
  if (hasSetpriv && probe("unshare", ["--user", "--map-current-user", ...UNSHARE_BASE, "--", "true"])) {
    return {
      kind: "user-pid-namespace",
      description: "user + PID namespace per instance, killed with the gateway (setpriv + unshare)",
    };
  }
  if (hasSetpriv) {
    return {
      kind: "parent-death-signal",
      description:
        "parent-death signal on each server process (no PID namespaces here): grandchildren may outlive a killed gateway until the next start",
    };
  }
  return {
    kind: "process-group",
    description:
      "process group only (no setpriv): descendants may outlive a killed gateway until the next start",
  };
}

export interface WrappedCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** True when the exit status comes from the namespace init: 128+N means the server died of signal N. */
  readonly statusFromInit: boolean;
}

/** The argv that starts `command args` under the given containment. */
export function wrapCommand(
  containment: Containment,
  command: string,
  args: readonly string[],
): WrappedCommand {
  switch (containment.kind) {
    case "pid-namespace":
    case "user-pid-namespace": {
      const userNs = containment.kind === "user-pid-namespace" ? ["--user", "--map-current-user"] : [];
      return {
        command: "setpriv",
        args: [
          "--pdeathsig",
          "KILL",
          "--",
          "unshare",
          ...userNs,
          ...UNSHARE_BASE,
          "--",
          "/bin/sh",
          "-c",
          NAMESPACE_INIT_SCRIPT,
          "corral-init",
          command,
          ...args,
        ],
        statusFromInit: true,
      };
    }
    case "parent-death-signal":
      return {
        command: "setpriv",
        args: ["--pdeathsig", "KILL", "--", command, ...args],
        statusFromInit: false,
      };
    case "process-group":
      return { command, args, statusFromInit: false };
  }
}
