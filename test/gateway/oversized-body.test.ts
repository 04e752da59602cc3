// A body over gateway.maxBodySize gets a 413 the client can read: Node's http client writing it in
// chunks sees the status, not EPIPE or ECONNRESET, on the MCP endpoints and the REST API alike; a
// client that stalls mid-body gets its 413 at the deadline; the gateway keeps serving.
import assert from "node:assert/strict";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { after, before, describe, test } from "node:test";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { type CorralRun, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient, textOf } from "../helpers/mcp-http.js";

const LIMIT = 2 * 1024 * 1024;
const CHUNK = Buffer.alloc(256 * 1024, "x");
// 7.5 MiB: megabytes past the limit, more than loopback socket buffers hold, so the client is still
// writing when the gateway has its answer; and inside the 4 × limit the gateway reads on and discards.
const CHUNKS = 30;

interface Outcome {
  readonly status?: number;
  readonly headers?: IncomingHttpHeaders;
  readonly body?: string;
  /** Client-side failures (EPIPE, ECONNRESET …), whether before or after the answer arrived. */
  readonly errors: string[];
}

const codeOf = (error: Error) => (error as NodeJS.ErrnoException).code ?? error.message;

/**
 * POSTs CHUNKS chunks one after another (each written once the previous one is taken) and settles
 * when both the answer and the writing are over, so an EPIPE after the 413 counts too.
 */
function postInChunks(url: string, declareLength: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const errors: string[] = [];
    let answer: Omit<Outcome, "errors"> | undefined;
    let answered = false;
    let written = false;
    const settle = () => {
      if (answered && written) resolve({ ...answer, errors });
    };
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(declareLength ? { "content-length": String(CHUNK.length * CHUNKS) } : {}),
    };
    const request = httpRequest(url, { method: "POST", headers }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (text: string) => {
        body += text;
      });
      response.on("end", () => {
        answer = { status: response.statusCode ?? 0, headers: response.headers, body };
        answered = true;
        settle();
      });
      response.on("error", (error) => errors.push(codeOf(error)));
    });
    request.on("error", (error) => {
      errors.push(codeOf(error));
      answered = true;
      written = true;
      settle();
    });
    const writeNext = (index: number) => {
      if (index === CHUNKS) {
        request.end(() => {
          written = true;
          settle();
        });
        return;
      }
      request.write(CHUNK, (error) => {
        if (error === null || error === undefined) writeNext(index + 1);
      });
    };
    writeNext(0);
  });
}

describe("bodies over the limit", () => {
  let corral: CorralRun;

  before(async () => {
    const { path } = writeFixtureConfig({ ok: { fixture: "healthy" } }, { maxBodySize: "2Mi" });
    corral = await runCorral(["up", "--config", path]);
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  async function expectServing(): Promise<void> {
    assert.equal((await fetch(`${corral.url}/healthz`)).status, 200);
    const client = await McpHttpClient.connect(`${corral.url}/servers/ok/mcp`);
    const answer = await client.request("tools/call", { name: "echo", arguments: { text: "still here" } });
    assert.equal(textOf(answer), "still here");
  }

  const endpoints = [
    { path: "/mcp", kind: "mcp" },
    { path: "/servers/ok/mcp", kind: "mcp" },
    { path: "/api/v1/mcp/execute", kind: "rest" },
  ] as const;

  for (const { path, kind } of endpoints) {
    test(`20 oversized POSTs to ${path} written in chunks each read a 413`, async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, index) => postInChunks(`${corral.url}${path}`, index % 2 === 0)),
      );
      const failed = outcomes.filter((outcome) => outcome.status !== 413 || outcome.errors.length > 0);
      assert.deepEqual(
        failed.map(({ status, errors }) => ({ status, errors })),
        [],
        `${failed.length} of 20 saw no 413 or a socket error`,
      );
      for (const outcome of outcomes) {
        const body = JSON.parse(outcome.body as string) as {
          jsonrpc?: string;
          error: { code: number | string; message: string };
        };
        if (kind === "rest") assert.equal(body.error.code, "BODY_TOO_LARGE");
        else {
          assert.equal(body.jsonrpc, "2.0");
          assert.equal(body.error.code, -32600);
        }
        assert.match(body.error.message, new RegExp(String(LIMIT)));
      }
      await expectServing();
    });
  }

  test("a client that stalls mid-body gets its 413 at the deadline, and the connection closes", async () => {
    const outcome = await new Promise<Omit<Outcome, "errors">>((resolve, reject) => {
      const request = httpRequest(
        `${corral.url}/mcp`,
        { method: "POST", headers: { "content-type": "application/json" } },
        (response) => {
          let body = "";
          response.setEncoding("utf8").on("data", (text: string) => {
            body += text;
          });
          response.on("end", () => {
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
            request.destroy();
          });
        },
      );
      request.on("error", reject);
      // Over the limit, then nothing more and no end: only the deadline can answer this.
      for (let index = 0; index <= LIMIT / CHUNK.length; index += 1) request.write(CHUNK);
      const timer = setTimeout(() => reject(new Error("no answer within 20 s")), 20_000);
      request.on("close", () => clearTimeout(timer));
    });
    assert.equal(outcome.status, 413);
    assert.equal(outcome.headers?.connection, "close");
    await expectServing();
  });
});
