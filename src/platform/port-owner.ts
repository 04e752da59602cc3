// Which process listens on a TCP port, for the message when `corral up` finds its port taken. Reads
// /proc/net/tcp{,6} for the listening socket's inode, then /proc/<pid>/fd for the process holding it;
// only processes whose fds we may read (our own user's) can be named, so "unknown" is an answer.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { readProcessStat } from "./proc.js";

const TCP_LISTEN = "0A";

/** The PID and command name of a process listening on `port` (any address), if one can be told. */
export function findPortOwner(port: number): { pid: number; comm: string } | undefined {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (local === undefined || fields[3] !== TCP_LISTEN) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16) === port && fields[9] !== undefined)
        inodes.add(`socket:[${fields[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) {
          return { pid: Number(pid), comm: readProcessStat(Number(pid))?.comm ?? "?" };
        }
      } catch {
        // closed while we looked
      }
    }
  }
  return undefined;
}
