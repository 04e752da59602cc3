// The SSE parser of `corral connect`: events split across chunks anywhere, CRLF and CR line ends,
// multi-line data, comments, event names and ids.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readSseEvents, type SseEvent } from "../../src/cli/sse-reader.js";

async function parse(chunks: readonly string[]): Promise<SseEvent[]> {
  const encoder = new TextEncoder();
  async function* body() {
    for (const chunk of chunks) yield encoder.encode(chunk);
  }
  const events: SseEvent[] = [];
  for await (const event of readSseEvents(body())) events.push(event);
  return events;
}

const STREAM =
  ": keep-alive\n\nevent: endpoint\ndata: /messages?sessionId=abc\n\n" +
  'id: 7\r\ndata: {"a":\r\ndata: 1}\r\n\r\n' +
  "data:no-space\r\rdata: €uro\n\ndata: unterminated";

test("every split of a stream into two chunks yields the same events", async () => {
  const expected: SseEvent[] = [
    { event: "endpoint", data: "/messages?sessionId=abc", id: undefined },
    { event: "message", data: '{"a":\n1}', id: "7" },
    { event: "message", data: "no-space", id: "7" },
    { event: "message", data: "€uro", id: "7" },
  ];
  const bytes = new TextEncoder().encode(STREAM);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const decoder = new TextDecoder();
    const halves = [bytes.slice(0, cut), bytes.slice(cut)];
    const events: SseEvent[] = [];
    async function* body() {
      yield* halves;
    }
    for await (const event of readSseEvents(body())) events.push(event);
    assert.deepEqual(events, expected, `cut at byte ${cut} (${decoder.decode(halves[0])})`);
  }
  assert.deepEqual(await parse([STREAM]), expected);
});
