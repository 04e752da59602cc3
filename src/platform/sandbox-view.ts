// What a sandboxed server sees of the host's files: the system folders read-only, its own command,
// package and working folder, the folders its config lists, and nothing else. A server runs as the
// gateway's user, so file modes alone do not hide root's files from a root gateway: hiding does.

import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";

/** Folders every program needs, shown read-only (those the host has; a symlink stays a symlink). */
export const SANDBOX_SYSTEM_FOLDERS = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/etc",
  "/nix/store",
] as const;

export interface ReadViewSpec {
  readonly readable: readonly string[];
  readonly writable: readonly string[];
  readonly readOnly: readonly string[];
  readonly tmp: "private" | "host";
  readonly cwd: string;
  /** Corral's own state (records, logs, secrets of other servers): hidden even inside a listed folder. */
  readonly stateDir: string;
  /** The server's HOME, hidden as /root and /run are. */
  readonly home: string | undefined;
}

type MountKind = "ro-bind" | "bind" | "tmpfs" | "mask-file" | "dir" | "symlink" | "dev" | "proc";

interface Mount {
  readonly kind: MountKind;
  readonly path: string;
  /** The symlink's text, for kind symlink. */
  readonly target?: string;
  /**
   * Mounts are applied shallow to deep, so a deeper path always shows through a shallower one; at the
   * same path the higher rank wins (masks < readable < writable < readOnly).
   */
  readonly rank: number;
}

const depth = (path: string) => (path === "/" ? 0 : path.split(sep).length - 1);
const isInside = (path: string, folder: string) =>
  path === folder || folder === "/" || path.startsWith(`${folder}${sep}`);

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Entries of /etc the host keeps from other users (shadow, private keys, database passwords): the
 * server has root's identity over root's files, so these are masked rather than left to their mode.
 */
function listPrivateEtcEntries(folder = "/etc", found: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(folder);
  } catch {
    return found;
  }
  for (const name of entries) {
    const path = join(folder, name);
    const stat = lstatOrUndefined(path);
    if (stat === undefined || stat.isSymbolicLink()) continue;
    if ((stat.mode & 0o004) === 0) found.push(path);
    else if (stat.isDirectory()) listPrivateEtcEntries(path, found);
  }
  return found;
}

/** A home folder or the root: never shown because a server's file happens to lie in it. */
function isHomeLike(path: string, home: string | undefined): boolean {
  return path === "/" || path === "/root" || path === home || dirname(path) === "/home";
}

/**
 * The folder a server's file needs around it: the top-most node_modules (where its dependencies are
 * found), else its package (the nearest package.json, for Node's module type), else the install
 * prefix of a `…/bin/x`, else its own folder.
 */
export function findPackageFolder(file: string, home: string | undefined): string {
  const parts = file.split(sep);
  const modules = parts.indexOf("node_modules");
  if (modules > 0) return parts.slice(0, modules + 1).join(sep);
  for (let folder = dirname(file); !isHomeLike(folder, home); folder = dirname(folder)) {
    if (lstatOrUndefined(join(folder, "package.json"))?.isFile()) return folder;
  }
  const folder = dirname(file);
  return basename(folder) === "bin" && !isHomeLike(dirname(folder), home) ? dirname(folder) : folder;
}

function realPathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** The files the command line names that exist: the command itself and file arguments (scripts). */
function listCommandFiles(command: string, args: readonly string[], cwd: string): string[] {
  const files: string[] = [command];
  for (const arg of args) {
    if (arg.startsWith("-") || arg.includes("\0")) continue;
    const path = isAbsolute(arg) ? arg : resolve(cwd, arg);
    try {
      if (statSync(path).isFile()) files.push(path);
    } catch {
      // not a file: arguments that are data folders must be listed in readable/writable
    }
  }
  return files;
}

/** The bwrap arguments that build the server's view of the host's files, in mount order. */
export function readViewArgs(spec: ReadViewSpec, command: string, args: readonly string[]): string[] {
  const mounts: Mount[] = [];
  const systemFolders: string[] = [];
  for (const folder of SANDBOX_SYSTEM_FOLDERS) {
    const stat = lstatOrUndefined(folder);
    if (stat?.isSymbolicLink())
      mounts.push({ kind: "symlink", path: folder, target: readlinkSync(folder), rank: 0 });
    else if (stat?.isDirectory()) {
      mounts.push({ kind: "ro-bind", path: folder, rank: 0 });
      systemFolders.push(realPathOrUndefined(folder) ?? folder);
    }
  }
  for (const path of listPrivateEtcEntries()) {
    mounts.push({ kind: lstatOrUndefined(path)?.isDirectory() ? "tmpfs" : "mask-file", path, rank: 0 });
  }
  mounts.push({ kind: "dev", path: "/dev", rank: 0 }, { kind: "proc", path: "/proc", rank: 0 });
  mounts.push(
    spec.tmp === "private"
      ? { kind: "tmpfs", path: "/tmp", rank: 0 }
      : { kind: "bind", path: "/tmp", rank: 1 },
  );

  // The server's own files: its command (by the path it is run as, and where that really lives),
  // its scripts' packages, and its working folder — unless that is a home folder or the root.
  const isSystem = (path: string) => systemFolders.some((folder) => isInside(path, folder));
  const shown = new Set<string>();
  const show = (path: string) => {
    if (!isSystem(path) && !shown.has(path)) {
      shown.add(path);
      mounts.push({ kind: "ro-bind", path, rank: 1 });
    }
  };
  for (const file of listCommandFiles(command, args, spec.cwd)) {
    show(file);
    const real = realPathOrUndefined(file);
    if (real !== undefined) show(findPackageFolder(real, spec.home));
  }
  if (isHomeLike(spec.cwd, spec.home)) mounts.push({ kind: "dir", path: spec.cwd, rank: 0 });
  else show(spec.cwd);

  for (const path of spec.readable) mounts.push({ kind: "ro-bind", path, rank: 1 });
  for (const path of spec.writable) mounts.push({ kind: "bind", path, rank: 2 });
  for (const path of spec.readOnly) mounts.push({ kind: "ro-bind", path, rank: 3 });

  // Hidden even inside a shown folder; a listed path at or inside one shows through (mounted later).
  const hidden = [
    "/root",
    "/run",
    "/var/run",
    spec.stateDir,
    ...(spec.home === undefined ? [] : [spec.home]),
  ];
  const binds = mounts.filter((mount) => mount.kind === "ro-bind" || mount.kind === "bind");
  for (const path of new Set(hidden)) {
    if (
      binds.some((bind) => bind.path !== path && isInside(path, bind.path)) &&
      lstatOrUndefined(path)?.isDirectory()
    ) {
      mounts.push({ kind: "tmpfs", path, rank: 0 });
    }
  }

  const ordered = [...mounts].sort((a, b) => depth(a.path) - depth(b.path) || a.rank - b.rank);
  // Last, the root bwrap builds in memory: read-only, so the server writes only where it was let.
  return [...ordered.flatMap(toArgs), "--remount-ro", "/"];
}

function toArgs(mount: Mount): string[] {
  switch (mount.kind) {
    case "ro-bind":
    case "bind":
      return [`--${mount.kind}`, mount.path, mount.path];
    case "tmpfs":
      // A mask is an empty folder the server cannot fill; the private /tmp stays writable.
      return mount.path === "/tmp"
        ? ["--tmpfs", "/tmp"]
        : ["--tmpfs", mount.path, "--remount-ro", mount.path];
    case "mask-file":
      return ["--ro-bind", "/dev/null", mount.path];
    case "dir":
      return ["--dir", mount.path];
    case "symlink":
      return ["--symlink", mount.target ?? "", mount.path];
    case "dev":
      return ["--dev", "/dev"];
    case "proc":
      return ["--proc", "/proc"];
  }
}
