// The one redactor: known values replaced wherever they are (as written, JSON-escaped, percent-encoded),
// any URL's userinfo and query values whether known or not, short values left to where they stand,
// and time linear in the text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRedactor, MIN_SECRET_LENGTH, redactUrl, redactUrlsInText } from "../../src/core/index.js";

test("a URL keeps scheme, host, path, keys and fragment; loses userinfo and query values", () => {
  assert.equal(
    redactUrl("https://me:pw@example.com:8443/mcp?key=abc&x=&flag#top"),
    "https://***@example.com:8443/mcp?key=***&x=&***#top",
  );
  assert.equal(redactUrl("http://127.0.0.1:11000/mcp"), "http://127.0.0.1:11000/mcp");
  assert.equal(
    redactUrlsInText('cannot connect to "http://u:p@h/x?t=1": refused; see http://h/ok and sse://a@b'),
    'cannot connect to "http://***@h/x?t=***": refused; see http://h/ok and sse://***@b',
  );
});

test("registered values are replaced as written, JSON-escaped and percent-encoded; the longest first", () => {
  const redactor = createRedactor(['tok"en/12345', "abcdef", "abcdefghij"]);
  assert.equal(redactor.redactText('a tok"en/12345 b'), "a *** b");
  assert.equal(redactor.redactText(JSON.stringify({ v: 'tok"en/12345' })), '{"v":"***"}');
  assert.equal(redactor.redactText(`/p/${encodeURIComponent('tok"en/12345')}`), "/p/***");
  assert.equal(redactor.redactText("xabcdefghijx abcdef"), "x***x ***");
  assert.deepEqual(redactor.redactValue({ list: ["abcdef"], n: 1 }), { list: ["***"], n: 1 });
});

test("values added later count from then on; short values are not searched for", () => {
  const redactor = createRedactor();
  assert.equal(redactor.redactText("token-value-1"), "token-value-1");
  redactor.addSecrets(["token-value-1", "1".repeat(MIN_SECRET_LENGTH - 1), "true"]);
  assert.equal(redactor.redactText("token-value-1 1 true"), "*** 1 true");
});

test("linear time: 1 MB of URL-like text with a hundred secrets answers fast", () => {
  const redactor = createRedactor(Array.from({ length: 100 }, (_, index) => `secret-${index}-value`));
  const inputs = [
    "a://".repeat(250_000),
    `http://${"@".repeat(1_000_000)}`,
    `x://?${"&".repeat(1_000_000)}`,
    "/".repeat(1_000_000),
  ];
  for (const text of inputs) {
    const startedAt = performance.now();
    redactor.redactText(text);
    assert.ok(performance.now() - startedAt < 500, `${text.slice(0, 10)}… took too long`);
  }
});
