// Replacing a file a person wrote (a client's MCP config, corral.yaml): the original is first copied
// to `<file>.corral-backup-<time>` (never over an existing backup), then the new text is written to a
// temporary file beside it and renamed over it, so a crash leaves the old file or the new one.
import { constants } from "node:fs";
import { copyFile, rename, writeFile } from "node:fs/promises";

/** Writes `text` to `path`; with `backup`, copies the current file first and returns the copy's path. */
export async function replaceFile(path: string, text: string, backup: boolean): Promise<string | undefined> {
  let copy: string | undefined;
  if (backup) {
    copy = `${path}.corral-backup-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    await copyFile(path, copy, constants.COPYFILE_EXCL);
  }
  const temporary = `${path}.corral-tmp-${process.pid}`;
  await writeFile(temporary, text);
  await rename(temporary, path);
  return copy;
}
