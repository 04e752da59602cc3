// A client's request reaches a server on /servers/<name>/mcp as the client wrote it, with only the id
// replaced (on /mcp also the tool's name); what cannot go on that way (line breaks, invalid UTF-8, extra keys, a progress token) is
// re-serialised as before. Either way the server must read exactly what the client meant.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { type CorralRun, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient, type Message, textOf } from "../helpers/mcp-http.js";

describe("requests forwarded as the client's bytes", () => {
  let corral: CorralRun;
  let client: McpHttpClient;
  let aggregate: McpHttpClient;

  before(async () => {
    const { path } = writeFixtureConfig({ ok: { fixture: "healthy" } });
    corral = await runCorral(["up", "--config", path]);
    client = await McpHttpClient.connect(`${corral.url}/servers/ok/mcp`);
    aggregate = await McpHttpClient.connect(`${corral.url}/mcp`);
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  async function postRaw(body: Buffer | string, to = client): Promise<Message> {
    const response = await fetch(to.url, { method: "POST", headers: to.headers(), body });
    assert.equal(response.status, 200);
    return (await response.json()) as Message;
  }

  const echo = (text: string, id: unknown = "client-id", name = '"echo"') =>
    `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":{"name":${name},"arguments":{"text":${text}}}}`;

  test("escapes, multi-byte UTF-8 and line separators arrive decoded as the client meant", async () => {
    const answer = await postRaw(echo('"é ✓ 😀 \\u00e9 \\ud83d\\ude00 \\" \\\\ \\n \\u2028 \u2028 \\t"'));
    assert.equal(answer.id, "client-id");
    assert.equal(textOf(answer), 'é ✓ 😀 é 😀 " \\ \n \u2028 \u2028 \t');
  });

  test("a pretty-printed request (line breaks between tokens) is answered", async () => {
    const answer = await postRaw(JSON.stringify(JSON.parse(echo('"pretty"', 41)), null, 2));
    assert.equal(answer.id, 41);
    assert.equal(textOf(answer), "pretty");
  });

  test("invalid UTF-8 reaches the server as U+FFFD, as JSON.parse read it", async () => {
    const [head, tail] = echo('"a#b"').split("#") as [string, string];
    const answer = await postRaw(Buffer.concat([Buffer.from(head), Buffer.from([0xff]), Buffer.from(tail)]));
    assert.equal(textOf(answer), "a\ufffdb");
  });

  test("a top-level key the server must not see is dropped, as before", async () => {
    const answer = await postRaw(echo('"extra"', 7).replace('"jsonrpc"', '"x-extra":{"id":1},"jsonrpc"'));
    assert.equal(answer.id, 7);
    assert.equal(textOf(answer), "extra");
  });

  test("the client's id comes back as it sent it, whatever its form", async () => {
    for (const id of [0, -3, 2 ** 53 - 1, "0", 'a"b', "é"]) {
      const answer = await postRaw(echo('"id"', id));
      assert.deepEqual(answer.id, id);
    }
  });

  test("a 1 MiB argument comes back intact", async () => {
    const text = "0123456789abcdef".repeat(64 * 1024);
    const answer = await postRaw(echo(JSON.stringify(text)));
    assert.equal(textOf(answer), text);
  });

  test("on /mcp the prefixed tool name is put back to the server's own, escaped or not", async () => {
    for (const name of ['"ok__echo"', '"ok__\\u0065cho"']) {
      const answer = await postRaw(echo('"é \\u00e9 \\n"', 5, name), aggregate);
      assert.equal(answer.error, undefined, JSON.stringify(answer.error));
      assert.equal(answer.id, 5);
      assert.equal(textOf(answer), "é é \n");
    }
    const text = "0123456789abcdef".repeat(64 * 1024);
    assert.equal(textOf(await postRaw(echo(JSON.stringify(text), 6, '"ok__echo"'), aggregate)), text);
    const unknown = await postRaw(echo('"x"', 7, '"ok__nope"'), aggregate);
    assert.match(unknown.error?.message ?? "", /Unknown tool: ok__nope/);
  });
});
