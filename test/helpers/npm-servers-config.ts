// Writes a corral config for the real npm servers `everything` and `memory` into a fresh temporary
// folder; the memory server keeps its file in that folder too.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./corral-process.js";

export function writeNpmServersConfig(gateway: Record<string, unknown> = {}): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "corral-clients-"));
  const bin = (name: string) => join(REPO_ROOT, "node_modules", ".bin", name);
  const document = {
    gateway: { port: 0, ...gateway },
    servers: {
      everything: { command: bin("mcp-server-everything"), args: ["stdio"] },
      memory: {
        command: bin("mcp-server-memory"),
        env: { MEMORY_FILE_PATH: join(dir, "memory.jsonl") },
      },
    },
  };
  const path = join(dir, "corral.yaml");
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  return { dir, path };
}
