// The tool policy decides on exactly what the server reads: a key twice in one object (at any depth,
// escaped or not) is refused with −32600 before routing, and a tools/call whose name is not a string
// with −32602, on both endpoints. The server behind records every line it reads and sees none of it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { CorralRun } from "../helpers/corral-process.js";
import { McpHttpClient, type Message, textOf } from "../helpers/mcp-http.js";
import { type RecordingGateway, startRecordingGateway } from "../helpers/recording-gateway.js";

const INVALID_REQUEST = -32600;
const INVALID_PARAMS = -32602;

const ENDPOINTS = [
  { path: "/mcp", prefix: "rec__" },
  { path: "/servers/rec/mcp", prefix: "" },
] as const;

describe("policy decisions on the bytes that are forwarded", () => {
  let gateway: RecordingGateway;
  let corral: CorralRun;

  before(async () => {
    gateway = await startRecordingGateway({ tools: { deny: ["pid"] } });
    corral = gateway.corral;
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  const linesRead = () => gateway.linesRead();

  async function post(client: McpHttpClient, body: string): Promise<{ status: number; answer: Message }> {
    const response = await fetch(client.url, { method: "POST", headers: client.headers(), body });
    return { status: response.status, answer: (await response.json()) as Message };
  }

  for (const { path, prefix } of ENDPOINTS) {
    test(`${path}: duplicate keys and non-string tool names reach no server`, async () => {
      const client = await McpHttpClient.connect(`${corral.url}${path}`);
      const before = linesRead().length;
      const denied = `${prefix}pid`;
      const allowed = `${prefix}echo`;
      const call = (params: string, id = 7) =>
        `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":${params}}`;
      const duplicates = [
        // The parsed message says echo (the last key); a server keeping the first runs pid.
        [call(`{"name":"${denied}","name":"${allowed}","arguments":{"text":"x"}}`), "/params/name"],
        [call(`{"name":"${denied}","na\\u006de":"${allowed}","arguments":{"text":"x"}}`), "/params/name"],
        [
          call(`{"name":"${allowed}","arguments":{"text":"a","opts":[{"k":1,"k":2}]}}`),
          "/params/arguments/opts/0/k",
        ],
        [`{"jsonrpc":"2.0","id":7,"id":8,"method":"tools/call","params":{"name":"${allowed}"}}`, "/id"],
        [
          `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"requestId":2}}`,
          "/params/requestId",
        ],
      ] as const;
      for (const [body, pointer] of duplicates) {
        const { status, answer } = await post(client, body);
        assert.equal(status, 400, `${body} → ${JSON.stringify(answer)}`);
        assert.equal(answer.error?.code, INVALID_REQUEST, body);
        assert.ok(answer.error?.message.includes(`key at ${pointer} appears twice`), answer.error?.message);
      }
      for (const name of [[denied], { name: denied }, 42, null]) {
        const { status, answer } = await post(
          client,
          call(JSON.stringify({ name, arguments: { text: "x" } })),
        );
        assert.equal(status, 200);
        assert.equal(answer.error?.code, INVALID_PARAMS, JSON.stringify(answer));
        assert.match(answer.error?.message ?? "", /params\.name/);
      }
      assert.deepEqual(linesRead().slice(before), [], "nothing reaches the server");
      // Equal keys in different objects are no duplicates; the call goes through, and is the only line.
      const { answer } = await post(
        client,
        call(`{"name":"${allowed}","arguments":{"text":"fine"},"_meta":{"text":"fine"}}`),
      );
      assert.equal(textOf(answer), "fine");
      const read = linesRead().slice(before);
      assert.equal(read.length, 1, read.join("\n"));
      assert.match(read[0] as string, /"fine"/);
    });
  }
});
