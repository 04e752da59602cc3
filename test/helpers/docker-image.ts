// A test image made without a registry: `docker import` (the Engine API's `/images/create?fromSrc=-`)
// of a root filesystem holding only this host's `node` and the shared libraries `ldd` lists for it.
// Tests run their MCP servers with `node -e`, so nothing else is needed. The tag carries a hash of
// the files' contents; each test process imports its own copy once and removes it at the end, after
// checking that no container made from it is left.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, realpathSync } from "node:fs";
import { type IncomingMessage, request } from "node:http";
import { dirname } from "node:path";

export interface TestImage extends AsyncDisposable {
  /** `corral-test-node:<content hash>-<pid>`. */
  readonly reference: string;
}

/** The node binary first, then every library its loader needs, as absolute paths inside the image. */
export function listNodeFiles(): string[] {
  const node = realpathSync(process.execPath);
  const ldd = execFileSync("ldd", [node], { encoding: "utf8" });
  // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" and "/lib64/ld-linux-x86-64.so.2 (0x…)";
  // linux-vdso has no file.
  const libraries = [...ldd.matchAll(/(?:=>\s*|^\s*)(\/\S+)\s+\(0x/gm)].map((match) => match[1] as string);
  return [node, ...[...new Set(libraries)].sort()];
}

function hashFiles(paths: readonly string[]): string {
  const hash = createHash("sha256");
  for (const path of paths) hash.update(path).update("\0").update(readFileSync(path)).update("\0");
  return hash.digest("hex").slice(0, 16);
}

function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    response.once("error", reject);
  });
}

/** One Engine API call over the unix socket; the body may be a stream (the tar of an import). */
function callEngine(
  socketPath: string,
  method: string,
  path: string,
  body?: NodeJS.ReadableStream,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath,
      path,
      method,
      agent: false,
      headers: { host: "docker", ...(body === undefined ? {} : { "content-type": "application/x-tar" }) },
    });
    req.once("response", (response) => {
      readAll(response).then((text) => resolve({ status: response.statusCode ?? 0, text }), reject);
    });
    req.once("error", reject);
    if (body === undefined) req.end();
    else body.pipe(req);
  });
}

/** Imports the image; `changes` are Dockerfile lines applied to it (e.g. `USER 1000:1000`). */
export async function importNodeImage(
  socketPath: string,
  options: { readonly changes?: readonly string[]; readonly name?: string } = {},
): Promise<TestImage> {
  const files = listNodeFiles();
  const repo = options.name ?? "corral-test-node";
  const tag = `${hashFiles(files)}-${process.pid}`;
  const reference = `${repo}:${tag}`;
  // -h stores each file's content at the path ldd gave, even where that path goes through a symlink.
  const tar = spawn("tar", ["--create", "--dereference", "--file=-", ...files], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tarErrors = "";
  tar.stderr.on("data", (chunk: Buffer) => {
    tarErrors += chunk.toString();
  });
  const tarExit = new Promise<number | null>((resolve) => tar.once("close", resolve));
  const query = new URLSearchParams({ fromSrc: "-", repo, tag });
  // `node` wherever this host keeps it (/usr/bin, or an nvm folder) is found by name inside.
  const path = `${dirname(files[0] as string)}:/usr/local/bin:/usr/bin:/bin`;
  for (const change of [`ENV PATH=${path}`, ...(options.changes ?? [])]) query.append("changes", change);
  const { status, text } = await callEngine(socketPath, "POST", `/images/create?${query}`, tar.stdout);
  const tarStatus = await tarExit;
  // "Removing leading `/'" is tar's only chatter here; anything else is a real failure.
  assert.equal(tarStatus, 0, `tar of ${files.join(" ")} failed: ${tarErrors}`);
  assert.equal(status, 200, `docker import of ${reference} answered ${status}: ${text}`);
  assert.ok(!text.includes('"error"'), `docker import of ${reference} failed: ${text}`);
  return {
    reference,
    async [Symbol.asyncDispose]() {
      const filters = encodeURIComponent(JSON.stringify({ ancestor: [reference] }));
      const listed = await callEngine(socketPath, "GET", `/containers/json?all=1&filters=${filters}`);
      const leftovers = JSON.parse(listed.text) as { Id: string; Names: string[] }[];
      for (const container of leftovers) {
        await callEngine(socketPath, "DELETE", `/containers/${container.Id}?force=1&v=1`);
      }
      const removed = await callEngine(socketPath, "DELETE", `/images/${reference}`);
      assert.deepEqual(
        leftovers.map((container) => container.Names.join(",")),
        [],
        `containers of ${reference} outlived the tests (removed now)`,
      );
      assert.equal(removed.status, 200, `could not remove image ${reference}: ${removed.text}`);
    },
  };
}
