// Files Corral rewrites (client configs, corral.yaml) keep their mode and owner, and so do their
// backups: a 0600 file holding a token must not come back 0644. A new file holding secrets is 0600.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { replaceFile } from "../../src/cli/backup-write.js";

const modeOf = (path: string) => statSync(path).mode & 0o777;

test("a 0600 file and its backup stay 0600; a 0640 one stays 0640; the owner is kept", async () => {
  const dir = mkdtempSync(join(tmpdir(), "corral-modes-"));
  for (const mode of [0o600, 0o640]) {
    const path = join(dir, `client-${mode.toString(8)}.json`);
    writeFileSync(path, '{"token": "old"}\n');
    chmodSync(path, mode);
    const before = statSync(path);
    const backup = await replaceFile(path, '{"token": "new"}\n', true);
    assert.equal(readFileSync(path, "utf8"), '{"token": "new"}\n');
    assert.equal(modeOf(path), mode);
    assert.equal(modeOf(backup ?? ""), mode);
    assert.deepEqual([statSync(path).uid, statSync(path).gid], [before.uid, before.gid]);
  }
});

test("a new file is 0600 when it holds secrets, 0644 when not, whatever the umask", async () => {
  const dir = mkdtempSync(join(tmpdir(), "corral-modes-"));
  const previous = process.umask(0o000);
  try {
    await replaceFile(join(dir, "secret.yaml"), "servers: {}\n", false, { holdsSecrets: true });
    await replaceFile(join(dir, "plain.yaml"), "servers: {}\n", false);
  } finally {
    process.umask(previous);
  }
  assert.equal(modeOf(join(dir, "secret.yaml")), 0o600);
  assert.equal(modeOf(join(dir, "plain.yaml")), 0o644);
});
