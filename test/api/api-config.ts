// Config files for the REST and CLI tests: any mix of fixture servers (by name or by path) with
// their extra keys, written as JSON into a fresh temporary folder.
import { mkdtempSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type FixtureName, fixturePath } from "../fixtures/fixture-path.js";

export const TOOL_KINDS_SERVER = fileURLToPath(new URL("./tool-kinds-server.js", import.meta.url));

export type ServerEntry = Record<string, unknown>;

/** A stdio server running a fixture (by name, or the tool-kinds fixture) with args and extra keys. */
export function fixtureServer(
  fixture: FixtureName | "tool-kinds",
  args: readonly string[] = [],
  extra: ServerEntry = {},
): ServerEntry {
  const script = fixture === "tool-kinds" ? TOOL_KINDS_SERVER : fixturePath(fixture);
  return { command: process.execPath, args: [script, ...args], ...extra };
}

export function writeConfig(
  servers: (dir: string) => Record<string, ServerEntry>,
  gateway: Record<string, unknown> = {},
): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "corral-api-"));
  const path = join(dir, "corral.json");
  writeFileSync(
    path,
    `${JSON.stringify({ gateway: { port: 0, ...gateway }, servers: servers(dir) }, null, 2)}\n`,
  );
  return { dir, path };
}

/** fetch + JSON, keeping the status and headers. */
export async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers; ms: number }> {
  const startedAt = performance.now();
  const response = await fetch(url, init);
  const text = await response.text();
  const ms = performance.now() - startedAt;
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, body, headers: response.headers, ms };
}

export function post(url: string, body: unknown) {
  return call(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function errorOf(
  body: Record<string, unknown>,
): { code?: string; message?: string; server?: string } & Record<string, unknown> {
  return (body.error ?? {}) as { code?: string; message?: string; server?: string };
}

/** A raw request with node:http, so Host and Origin can be anything (fetch sets Host itself). */
export function rawRequest(
  url: string,
  headers: Record<string, string>,
  method = "GET",
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers }, (response) => {
      let text = "";
      response.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
      });
      response.on("end", () => {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          body = { text };
        }
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    request.on("error", reject);
    request.end();
  });
}
