// The upstream connection with a channel in memory: answers pass through with only the id changed,
// reach exactly the request they answer, and deadlines and cancellation still tell the server.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  findRequestBytes,
  findResponseId,
  type JsonRpcMessage,
  type ResponseLine,
} from "../../src/core/index.js";
import {
  type Answer,
  encodeAnswer,
  GATEWAY_ERROR,
  toResponseBody,
  type UpstreamChannel,
  UpstreamConnection,
} from "../../src/upstream/index.js";

/** A channel that records what the connection sends and delivers lines as the instance does. */
function createMemoryChannel() {
  const sent: JsonRpcMessage[] = [];
  /** The bytes of each message the connection gave already encoded (`sendLine`), else undefined. */
  const lines: (string | undefined)[] = [];
  let receive: (message: JsonRpcMessage) => void = () => {};
  let receiveLine: (response: ResponseLine) => void = () => {};
  const channel: UpstreamChannel = {
    send: (message) => {
      sent.push(message);
      lines.push(undefined);
      return true;
    },
    sendLine: (line) => {
      const text = typeof line === "string" ? line : Buffer.concat(line).toString("utf8");
      sent.push(JSON.parse(text) as JsonRpcMessage);
      lines.push(text);
      return true;
    },
    setReceiver: (receiver, onResponseLine) => {
      receive = receiver;
      receiveLine = onResponseLine;
    },
    onEnd: () => () => {},
  };
  const deliver = (line: string) => {
    const response = findResponseId(Buffer.from(line));
    if (response !== undefined) receiveLine(response);
    else receive(JSON.parse(line) as JsonRpcMessage);
  };
  return { channel, sent, lines, deliver };
}

const context = (extra: Partial<Parameters<UpstreamConnection["relay"]>[2]> = {}) => ({
  sessionId: "s1",
  timeoutMs: 10_000,
  onNotification: () => {},
  ...extra,
});

const idOf = (message: JsonRpcMessage | undefined) => (message as { id: number }).id;
const decode = (encoded: string | readonly Buffer[]) =>
  JSON.parse(typeof encoded === "string" ? encoded : Buffer.concat(encoded).toString("utf8")) as Record<
    string,
    unknown
  >;

describe("upstream connection", () => {
  test("a relayed answer is the server's line with only the id changed", async () => {
    const { channel, sent, deliver } = createMemoryChannel();
    const connection = new UpstreamConnection("echo", channel, { onNotification: () => {} });
    const pending = connection.relay("tools/call", { name: "echo" }, context({ originalId: "c-1" }));
    const upstreamId = idOf(sent[0]);
    const line = `{"result":{"content":[{"type":"text","text":"\\"id\\":${upstreamId} {\\"id\\":2}"}],"id":3},"jsonrpc":"2.0","id":${upstreamId}}`;
    deliver(line);
    const answer = await pending;
    assert.ok("line" in answer, "passed through unparsed");
    const expected = { ...(JSON.parse(line) as object), id: "c-1" };
    assert.deepEqual(decode(encodeAnswer("c-1", answer)), expected);
    assert.deepEqual(toResponseBody(answer), { result: (JSON.parse(line) as { result: unknown }).result });
  });

  test("forward reads the answer; odd lines take the parse path and still settle", async () => {
    const { channel, sent, deliver } = createMemoryChannel();
    const connection = new UpstreamConnection("echo", channel, { onNotification: () => {} });
    const plain = connection.forward("tools/list", {}, context());
    deliver(`{"jsonrpc":"2.0","id":${idOf(sent[0])},"result":{"tools":[]}}`);
    assert.deepEqual(await plain, { result: { tools: [] } });
    // Both result and error: the scan refuses it, JSON.parse reads it, the error wins as before.
    const both = connection.relay("tools/call", {}, context());
    deliver(`{"jsonrpc":"2.0","id":${idOf(sent[1])},"result":1,"error":{"code":1,"message":"m"}}`);
    assert.deepEqual(await both, { error: { code: 1, message: "m" } });
  });

  test("64 requests answered in reverse order each get their own answer", async () => {
    const { channel, sent, deliver } = createMemoryChannel();
    const connection = new UpstreamConnection("echo", channel, { onNotification: () => {} });
    const pending: Promise<Answer>[] = [];
    for (let i = 0; i < 64; i += 1) {
      pending.push(connection.relay("tools/call", { text: `m${i}` }, context({ originalId: i })));
    }
    for (const message of [...sent].reverse()) {
      const text = (message as { params: { text: string } }).params.text.repeat(1_000);
      deliver(`{"jsonrpc":"2.0","id":${idOf(message)},"result":{"text":"${text}"}}`);
    }
    const answers = await Promise.all(pending);
    answers.forEach((answer, i) => {
      assert.deepEqual(decode(encodeAnswer(i, answer)), {
        jsonrpc: "2.0",
        id: i,
        result: { text: `m${i}`.repeat(1_000) },
      });
    });
    assert.equal(connection.inFlightCount, 0);
  });

  test("a balanced line that is not JSON is dropped for a reader, and the request times out", async () => {
    const { channel, sent, deliver } = createMemoryChannel();
    const connection = new UpstreamConnection("echo", channel, { onNotification: () => {} });
    const pending = connection.forward("tools/list", {}, context({ timeoutMs: 50 }));
    deliver(`{"jsonrpc":"2.0","id":${idOf(sent[0])},"result":{"a":tru}}`);
    const body = await pending;
    assert.ok("error" in body);
    assert.equal(body.error.code, GATEWAY_ERROR.requestTimeout);
  });

  test("deadlines: each request times out on its own, and the server hears notifications/cancelled", async () => {
    const { channel, sent } = createMemoryChannel();
    const connection = new UpstreamConnection("slow", channel, { onNotification: () => {} });
    const startedAt = Date.now();
    const settledAt = (promise: Promise<Answer>) =>
      promise.then((answer) => ({ answer, at: Date.now() - startedAt }));
    const late = settledAt(connection.relay("tools/call", {}, context({ timeoutMs: 400 })));
    const early = settledAt(connection.relay("tools/call", {}, context({ timeoutMs: 100 })));
    const [lateId, earlyId] = [idOf(sent[0]), idOf(sent[1])];
    const first = await early;
    assert.ok(first.at >= 90 && first.at < 350, `early timeout after ${first.at} ms`);
    assert.equal(connection.inFlightCount, 1);
    const second = await late;
    assert.ok(second.at >= 390, `late timeout after ${second.at} ms`);
    for (const { answer } of [first, second]) {
      assert.ok("error" in answer);
      assert.equal(answer.error.code, GATEWAY_ERROR.requestTimeout);
    }
    const cancelled = sent
      .filter((message) => "method" in message && message.method === "notifications/cancelled")
      .map((message) => (message as { params: { requestId: number; reason: string } }).params);
    assert.deepEqual(cancelled, [
      { requestId: earlyId, reason: "timeout" },
      { requestId: lateId, reason: "timeout" },
    ]);
  });

  test("cancelOrigin cancels only what was forwarded for that client request", async () => {
    const { channel, sent, deliver } = createMemoryChannel();
    const connection = new UpstreamConnection("echo", channel, { onNotification: () => {} });
    const gone = {};
    const stays = {};
    const cancelled = connection.relay("tools/call", {}, context({ origin: gone }));
    const kept = connection.relay("tools/call", {}, context({ origin: stays }));
    const [goneId, keptId] = [idOf(sent[0]), idOf(sent[1])];
    connection.cancelOrigin(gone, "client disconnected");
    const body = await cancelled;
    assert.ok("error" in body);
    assert.equal(body.error.code, GATEWAY_ERROR.cancelled);
    assert.deepEqual((sent[2] as { params: unknown }).params, {
      requestId: goneId,
      reason: "client disconnected",
    });
    deliver(`{"jsonrpc":"2.0","id":${goneId},"result":{}}`); // a late answer goes nowhere
    deliver(`{"jsonrpc":"2.0","id":${keptId},"result":{"ok":true}}`);
    assert.deepEqual(toResponseBody(await kept), { result: { ok: true } });
  });

  test("progress tokens are remapped both ways", async () => {
    const { channel, sent, deliver } = createMemoryChannel();
    const connection = new UpstreamConnection("echo", channel, { onNotification: () => {} });
    const progress: unknown[] = [];
    const pending = connection.relay(
      "tools/call",
      { name: "slow", _meta: { progressToken: "client-token" } },
      context({ onNotification: (notification) => progress.push(notification.params) }),
    );
    const request = sent[0] as { id: number; params: { _meta: { progressToken: string } } };
    const token = request.params._meta.progressToken;
    assert.notEqual(token, "client-token");
    deliver(
      JSON.stringify({
        jsonrpc: "2.0",
        method: "notifications/progress",
        params: { progressToken: token, progress: 1 },
      }),
    );
    deliver(`{"jsonrpc":"2.0","id":${request.id},"result":{}}`);
    await pending;
    assert.deepEqual(progress, [{ progressToken: "client-token", progress: 1 }]);
  });

  test("a client's request goes on as its own bytes with only the id replaced, unless a token changes", async () => {
    const { channel, sent, lines, deliver } = createMemoryChannel();
    const connection = new UpstreamConnection("echo", channel, { onNotification: () => {} });
    const text = '{"id":"c-9","jsonrpc":"2.0","method":"tools/call","params":{"name":"echo","n":1.50}}';
    const encoded = findRequestBytes(Buffer.from(text));
    const params = (JSON.parse(text) as { params: unknown }).params;
    const plain = connection.relay("tools/call", params, context({ originalId: "c-9", encoded }));
    const upstreamId = idOf(sent[0]);
    // Byte for byte, number formatting included: nothing was parsed and written again.
    assert.equal(lines[0], text.replace('"c-9"', String(upstreamId)));
    deliver(`{"jsonrpc":"2.0","id":${upstreamId},"result":{}}`);
    await plain;

    const withToken = '{"jsonrpc":"2.0","id":3,"method":"m","params":{"_meta":{"progressToken":"t"}}}';
    const tokenParams = (JSON.parse(withToken) as { params: unknown }).params;
    const remapped = connection.relay(
      "m",
      tokenParams,
      context({ originalId: 3, encoded: findRequestBytes(Buffer.from(withToken)) }),
    );
    assert.equal(lines[1], undefined, "a remapped progress token needs the re-serialised request");
    const request = sent[1] as { id: number; params: { _meta: { progressToken: string } } };
    assert.notEqual(request.params._meta.progressToken, "t");
    deliver(`{"jsonrpc":"2.0","id":${request.id},"result":{}}`);
    await remapped;
  });
});
