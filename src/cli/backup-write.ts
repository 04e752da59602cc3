// Replacing a file a person wrote (a client's MCP config, corral.yaml): the original is first copied
// to `<file>.corral-backup-<time>` (never over an existing backup), then the new text is written to a
// temporary file beside it and renamed over it, so a crash leaves the old file or the new one. The
// new file and the backup keep the original's mode and owner: a 0600 file holding a token must not
// become 0644 (the umask would decide otherwise). A new file holding secrets is 0600.
import { constants, type Stats } from "node:fs";
import { chmod, chown, copyFile, rename, stat, unlink, writeFile } from "node:fs/promises";

export interface ReplaceOptions {
  /** A new file (none to replace) that holds secrets is created 0600; else 0644. */
  readonly holdsSecrets?: boolean;
}

async function statIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Gives `path` the mode (and, where allowed, the owner) of `like`. */
async function copyAttributes(path: string, like: Stats): Promise<void> {
  await chmod(path, like.mode & 0o7777);
  if (
    typeof process.getuid === "function" &&
    (like.uid !== process.getuid() || like.gid !== process.getgid?.())
  ) {
    // Only root may give a file away; anyone else keeps it as theirs, with the original's mode.
    await chown(path, like.uid, like.gid).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EPERM") throw error;
    });
  }
}

/** Writes `text` to `path`; with `backup`, copies the current file first and returns the copy's path. */
export async function replaceFile(
  path: string,
  text: string,
  backup: boolean,
  options: ReplaceOptions = {},
): Promise<string | undefined> {
  const previous = await statIfExists(path);
  let copy: string | undefined;
  if (backup) {
    copy = `${path}.corral-backup-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    await copyFile(path, copy, constants.COPYFILE_EXCL);
    if (previous !== undefined) await copyAttributes(copy, previous);
  }
  const temporary = `${path}.corral-tmp-${process.pid}`;
  // Created private (a leftover of a crashed run removed first), so no one can open it before the chmod.
  await unlink(temporary).catch(() => {});
  await writeFile(temporary, text, { mode: 0o600, flag: "wx" });
  try {
    if (previous !== undefined) await copyAttributes(temporary, previous);
    else await chmod(temporary, options.holdsSecrets === true ? 0o600 : 0o644);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
  return copy;
}
