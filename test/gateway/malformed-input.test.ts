// What a client POSTs to /mcp and /servers/<name>/mcp is checked as JSON-RPC 2.0 and MCP say before
// anything reaches a server: each class of bad input gets the spec's HTTP status and JSON-RPC code
// (with the request's id where it can be read), the server behind records every line it reads and
// sees none of it, and a valid call still goes through afterwards.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { CorralRun } from "../helpers/corral-process.js";
import { LegacySseClient } from "../helpers/legacy-sse-client.js";
import { McpHttpClient, type Message, textOf } from "../helpers/mcp-http.js";
import { type RecordingGateway, startRecordingGateway } from "../helpers/recording-gateway.js";

interface Case {
  readonly body: string;
  readonly status: number;
  readonly code: number;
  readonly id?: string | number | null;
  readonly contentType?: string | null;
  /** Sent without the session headers (initialize-like posts). */
  readonly sessionless?: boolean;
}

const INVALID_REQUEST = -32600;
const PARSE_ERROR = -32700;

const ENDPOINTS = [
  { path: "/mcp", tool: "rec__echo" },
  { path: "/servers/rec/mcp", tool: "echo" },
] as const;

describe("malformed input on the Streamable HTTP endpoints", () => {
  let gateway: RecordingGateway;
  let corral: CorralRun;

  before(async () => {
    gateway = await startRecordingGateway();
    corral = gateway.corral;
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  const linesRead = () => gateway.linesRead();

  async function connect(path: string, protocolVersion = "2025-06-18"): Promise<McpHttpClient> {
    const client = new McpHttpClient(`${corral.url}${path}`);
    client.protocolVersion = protocolVersion;
    const answer = await client.request("initialize", {
      protocolVersion,
      capabilities: {},
      clientInfo: { name: "malformed-input-test", version: "0" },
    });
    assert.equal(answer.error, undefined);
    assert.equal(await client.notify("notifications/initialized"), 202);
    return client;
  }

  const call = (tool: string, id: unknown, text: string) =>
    `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":{"name":"${tool}","arguments":{"text":"${text}"}}}`;

  async function post(
    client: McpHttpClient,
    body: string,
    contentType: string | null = "application/json",
    sessionless = false,
  ): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = sessionless
      ? { accept: "application/json, text/event-stream" }
      : client.headers();
    delete headers["content-type"];
    if (contentType !== null) headers["content-type"] = contentType;
    // A Buffer body, so fetch adds no Content-Type of its own.
    const response = await fetch(client.url, { method: "POST", headers, body: Buffer.from(body) });
    return { status: response.status, text: await response.text() };
  }

  /**
   * Posts every case and checks status, code and id; then proves the server read none of them: its
   * line count is unchanged, and a valid call afterwards is the one line it reads next.
   */
  async function expectRefused(client: McpHttpClient, tool: string, cases: readonly Case[]): Promise<void> {
    const before = linesRead().length;
    for (const item of cases) {
      const { status, text } = await post(client, item.body, item.contentType, item.sessionless);
      const type = item.contentType === undefined ? "" : `(${item.contentType ?? "no content-type"}) `;
      const what = `${type}${item.body.slice(0, 120)} → ${status} ${text}`;
      assert.equal(status, item.status, what);
      const answer = JSON.parse(text) as Message;
      assert.equal(answer.jsonrpc, "2.0", what);
      assert.equal(answer.error?.code, item.code, what);
      assert.equal(answer.id, item.id ?? null, what);
      assert.equal(answer.result, undefined, what);
    }
    assert.deepEqual(linesRead().slice(before), [], "nothing reaches the server");
    const marker = `alive-${before}`;
    const answer = await client.request("tools/call", { name: tool, arguments: { text: marker } });
    assert.equal(textOf(answer), marker);
    const read = linesRead().slice(before);
    assert.equal(read.length, 1, `the server read only the valid call: ${read.join("\n")}`);
    assert.match(read[0] as string, new RegExp(marker));
  }

  for (const { path, tool } of ENDPOINTS) {
    describe(path, () => {
      let client: McpHttpClient;
      before(async () => {
        client = await connect(path);
      });

      test("a Content-Type other than application/json is 415; parameters and case are fine", async () => {
        const body = call(tool, 1, "should-not-arrive");
        await expectRefused(client, tool, [
          { body, contentType: "text/plain", status: 415, code: INVALID_REQUEST },
          { body, contentType: "text/plain;charset=UTF-8", status: 415, code: INVALID_REQUEST },
          { body, contentType: "application/x-www-form-urlencoded", status: 415, code: INVALID_REQUEST },
          { body, contentType: "multipart/form-data; boundary=x", status: 415, code: INVALID_REQUEST },
          { body, contentType: "text/plain; x=application/json", status: 415, code: INVALID_REQUEST },
          { body, contentType: "application/jsonx", status: 415, code: INVALID_REQUEST },
          { body, contentType: null, status: 415, code: INVALID_REQUEST },
        ]);
        for (const contentType of ["Application/JSON; charset=utf-8", "application/json;charset=UTF-8"]) {
          const { status, text } = await post(client, call(tool, "typed", contentType), contentType);
          assert.equal(status, 200, text);
          assert.equal(textOf(JSON.parse(text) as Message), contentType);
        }
      });

      test("a message whose method is missing or not a string is −32600 with its id", async () => {
        await expectRefused(client, tool, [
          { body: '{"jsonrpc":"2.0","id":11}', status: 400, code: INVALID_REQUEST, id: 11 },
          { body: '{"jsonrpc":"2.0","id":"m","params":{}}', status: 400, code: INVALID_REQUEST, id: "m" },
          { body: '{"jsonrpc":"2.0","id":12,"method":42}', status: 400, code: INVALID_REQUEST, id: 12 },
          { body: '{"jsonrpc":"2.0","id":13,"method":null}', status: 400, code: INVALID_REQUEST, id: 13 },
          { body: '{"jsonrpc":"2.0","method":["tools/call"]}', status: 400, code: INVALID_REQUEST },
          { body: '{"jsonrpc":"2.0","method":{}}', status: 400, code: INVALID_REQUEST },
        ]);
      });

      test("ids that are objects, arrays, booleans, null, fractions or past 2^53 are −32600, id null", async () => {
        const ids = [
          "{}",
          '{"a":1}',
          "[]",
          "[1]",
          "true",
          "false",
          "null",
          "1.5",
          "-0.25",
          "123456789012345678901234567890",
        ];
        await expectRefused(
          client,
          tool,
          ids.map((id) => ({
            body: call(tool, 0, "bad-id").replace('"id":0', `"id":${id}`),
            status: 400,
            code: INVALID_REQUEST,
          })),
        );
        // Strings (the empty one too) and negative integers are ids.
        for (const id of ["", "x", -7, 9007199254740991]) {
          const { status, text } = await post(client, call(tool, id, "good-id"));
          assert.equal(status, 200, text);
          assert.equal((JSON.parse(text) as Message).id, id);
        }
      });

      test("batches: refused after 2025-06-18, kept for 2025-03-26, never with initialize", async () => {
        const initialize =
          '{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}';
        const batch = `[${call(tool, 21, "batched")},{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}]`;
        await expectRefused(client, tool, [
          { body: batch, status: 400, code: INVALID_REQUEST },
          { body: `[${call(tool, 22, "single")}]`, status: 400, code: INVALID_REQUEST },
          { body: `[${initialize}]`, status: 400, code: INVALID_REQUEST, id: "init", sessionless: true },
        ]);
        const latest = await connect(path, "2025-11-25");
        await expectRefused(latest, tool, [{ body: batch, status: 400, code: INVALID_REQUEST }]);

        const older = await connect(path, "2025-03-26");
        await expectRefused(older, tool, [
          { body: `[${initialize}]`, status: 400, code: INVALID_REQUEST, id: "init" },
          { body: `[${call(tool, 23, "x")},${initialize}]`, status: 400, code: INVALID_REQUEST, id: "init" },
          { body: `[${call(tool, 24, "x")},{"jsonrpc":"2.0","id":{}}]`, status: 400, code: INVALID_REQUEST },
        ]);
        const { status, text } = await post(older, batch);
        assert.equal(status, 200, text);
        const answers = JSON.parse(text) as Message[];
        assert.equal(answers.length, 1);
        assert.equal(answers[0]?.id, 21);
        assert.equal(textOf(answers[0] as Message), "batched");
      });

      test("responses and notifications of the wrong shape, jsonrpc, empty batch, non-objects", async () => {
        await expectRefused(client, tool, [
          // Responses.
          {
            body: '{"jsonrpc":"2.0","id":31,"result":{},"error":{"code":1,"message":"x"}}',
            status: 400,
            code: INVALID_REQUEST,
            id: 31,
          },
          { body: '{"jsonrpc":"2.0","id":32,"result":"text"}', status: 400, code: INVALID_REQUEST, id: 32 },
          {
            body: '{"jsonrpc":"2.0","id":33,"error":{"code":"E","message":"x"}}',
            status: 400,
            code: INVALID_REQUEST,
            id: 33,
          },
          {
            body: '{"jsonrpc":"2.0","id":34,"error":{"code":1.5,"message":"x"}}',
            status: 400,
            code: INVALID_REQUEST,
            id: 34,
          },
          { body: '{"jsonrpc":"2.0","id":35,"error":"bad"}', status: 400, code: INVALID_REQUEST, id: 35 },
          { body: '{"jsonrpc":"2.0","result":{}}', status: 400, code: INVALID_REQUEST },
          { body: '{"jsonrpc":"2.0","id":null,"result":{}}', status: 400, code: INVALID_REQUEST },
          {
            body: '{"jsonrpc":"2.0","id":[1],"error":{"code":1,"message":"x"}}',
            status: 400,
            code: INVALID_REQUEST,
          },
          // Requests and notifications.
          {
            body: '{"jsonrpc":"2.0","method":"notifications/progress","params":"x"}',
            status: 400,
            code: INVALID_REQUEST,
          },
          {
            body: '{"jsonrpc":"2.0","method":"notifications/roots/list_changed","params":null}',
            status: 400,
            code: INVALID_REQUEST,
          },
          {
            body: '{"jsonrpc":"2.0","method":"notifications/message","result":{}}',
            status: 400,
            code: INVALID_REQUEST,
          },
          {
            body: call(tool, 36, "x").replace('"params":{', '"params":[{').replace(/}$/, "]}"),
            status: 400,
            code: INVALID_REQUEST,
            id: 36,
          },
          {
            body: '{"jsonrpc":"2.0","id":37,"method":"tools/call","result":{}}',
            status: 400,
            code: INVALID_REQUEST,
            id: 37,
          },
          // The jsonrpc member.
          {
            body: call(tool, 38, "x").replace('"jsonrpc":"2.0",', ""),
            status: 400,
            code: INVALID_REQUEST,
            id: 38,
          },
          { body: call(tool, 39, "x").replace('"2.0"', '"1.0"'), status: 400, code: INVALID_REQUEST, id: 39 },
          { body: call(tool, 40, "x").replace('"2.0"', "2"), status: 400, code: INVALID_REQUEST, id: 40 },
          // Not a message at all.
          { body: "[]", status: 400, code: INVALID_REQUEST },
          { body: "42", status: 400, code: INVALID_REQUEST },
          { body: '"x"', status: 400, code: INVALID_REQUEST },
          { body: "null", status: 400, code: INVALID_REQUEST },
          { body: "true", status: 400, code: INVALID_REQUEST },
          { body: "[42]", status: 400, code: INVALID_REQUEST },
          { body: "[[]]", status: 400, code: INVALID_REQUEST },
          // Not JSON.
          { body: '{"jsonrpc":', status: 400, code: PARSE_ERROR },
          { body: "", status: 400, code: PARSE_ERROR },
          { body: `${call(tool, 41, "x")} trailing`, status: 400, code: PARSE_ERROR },
          { body: "\u0000\u0001", status: 400, code: PARSE_ERROR },
        ]);
      });
    });
  }

  test("the legacy SSE POST endpoint takes the same checks: 415, −32600, −32700", async () => {
    const legacy = await LegacySseClient.open(`${corral.url}/servers/rec/sse`);
    try {
      await legacy.initialize();
      const before = linesRead().length;
      const send = async (body: string, contentType: string | null = "application/json") => {
        const response = await fetch(legacy.messagesUrl, {
          method: "POST",
          headers: contentType === null ? {} : { "content-type": contentType },
          body: Buffer.from(body),
        });
        return { status: response.status, answer: JSON.parse(await response.text()) as Message };
      };
      const body = call("echo", "l1", "should-not-arrive");
      for (const contentType of ["text/plain", "application/x-www-form-urlencoded", null]) {
        const { status, answer } = await send(body, contentType);
        assert.equal(status, 415);
        assert.equal(answer.error?.code, INVALID_REQUEST);
      }
      const wrongId = await send(body.replace('"l1"', "[1]"));
      assert.deepEqual(
        [wrongId.status, wrongId.answer.error?.code, wrongId.answer.id],
        [400, INVALID_REQUEST, null],
      );
      const noMethod = await send('{"jsonrpc":"2.0","id":"l2"}');
      assert.deepEqual(
        [noMethod.status, noMethod.answer.error?.code, noMethod.answer.id],
        [400, INVALID_REQUEST, "l2"],
      );
      const broken = await send("{");
      assert.deepEqual([broken.status, broken.answer.error?.code], [400, PARSE_ERROR]);
      assert.deepEqual(linesRead().slice(before), [], "nothing reaches the server");
      assert.equal(
        textOf(await legacy.request("tools/call", { name: "echo", arguments: { text: "legacy" } })),
        "legacy",
      );
      assert.equal(linesRead().length, before + 1);
    } finally {
      legacy.close();
    }
  });
});
