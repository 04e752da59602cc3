// The top-level scan that lets the hot path splice ids: it must agree with JSON.parse on every line it
// answers for, and answer undefined (parse it) on anything odd.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  findDuplicateKey,
  findRequestBytes,
  findResponseId,
  renameInRequest,
  scanTopLevelMembers,
  spliceRequestId,
  spliceResponseId,
} from "../../src/core/index.js";

const bytes = (text: string) => Buffer.from(text, "utf8");

/** 5,000 copies of `base`, each with 1 to 3 characters replaced from `alphabet`, the same every run. */
function* mutations(
  base: string,
  alphabet: string,
  seed: number,
): Generator<{ text: string; round: number }> {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  for (let round = 0; round < 5_000; round += 1) {
    const chars = [...base];
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e += 1) {
      const at = Math.floor(random() * chars.length);
      chars[at] = alphabet[Math.floor(random() * alphabet.length)] as string;
    }
    yield { text: chars.join(""), round };
  }
}

/** The id span found must be the id JSON.parse reads, and splicing must change nothing else. */
function assertAgreesWithParse(text: string, id: number): void {
  const found = findResponseId(bytes(text));
  assert.ok(found, `expected a response id in ${text.slice(0, 80)}`);
  assert.equal(found.id, id);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  assert.equal(parsed.id, id);
  for (const clientId of ["abc", 'q"uo\\te', 0, -7, "é✓"]) {
    const spliced = JSON.parse(Buffer.concat(spliceResponseId(found, clientId)).toString("utf8")) as Record<
      string,
      unknown
    >;
    assert.deepEqual(spliced, { ...parsed, id: clientId });
  }
}

describe("findResponseId", () => {
  test("plain responses, id first, last or in the middle", () => {
    assertAgreesWithParse('{"jsonrpc":"2.0","id":5,"result":{}}', 5);
    assertAgreesWithParse(
      '{"result":{"content":[{"type":"text","text":"Echo: hi"}]},"jsonrpc":"2.0","id":12}',
      12,
    );
    // Error responses are parsed, so the connection can keep servers out of Corral's own codes.
    assert.equal(
      findResponseId(Buffer.from('{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"nope"}}')),
      undefined,
    );
    assertAgreesWithParse('  { "jsonrpc" : "2.0" , "id" : 99 , "result" : [ 1 , 2 ] }  ', 99);
    assertAgreesWithParse('{"jsonrpc":"2.0","result":null,"id":123456789012345}', 123456789012345);
  });

  test("an id inside params, result or error is not the top-level id", () => {
    assertAgreesWithParse('{"result":{"id":1,"nested":{"id":2}},"jsonrpc":"2.0","id":3}', 3);
    assertAgreesWithParse('{"jsonrpc":"2.0","result":{"code":1,"message":"x","data":{"id":8}},"id":4}', 4);
    assertAgreesWithParse('{"jsonrpc":"2.0","result":[{"id":9},["\\"id\\":10"]],"id":11}', 11);
    assertAgreesWithParse('{"jsonrpc":"2.0","result":"\\"id\\":1,","id":2}', 2);
  });

  test("escaped quotes and backslashes inside strings", () => {
    assertAgreesWithParse('{"jsonrpc":"2.0","result":{"t":"a\\\\"},"id":1}', 1);
    assertAgreesWithParse('{"jsonrpc":"2.0","result":{"t":"a\\\\\\"}\\"x"},"id":2}', 2);
    assertAgreesWithParse('{"jsonrpc":"2.0","result":{"t":"\\\\\\\\","u":"{[\\"]}"},"id":3}', 3);
    assertAgreesWithParse('{"jsonrpc":"2.0","result":{"t":"ünïcødé ✓ 😀 \\u0041"},"id":4}', 4);
  });

  test("large payloads", () => {
    const text = "x".repeat(1 << 20);
    assertAgreesWithParse(
      `{"result":{"content":[{"type":"text","text":"${text}"}]},"jsonrpc":"2.0","id":77}`,
      77,
    );
    const escaped = '\\"'.repeat(50_000);
    assertAgreesWithParse(`{"jsonrpc":"2.0","id":78,"result":{"s":"${escaped}"}}`, 78);
    assertAgreesWithParse(
      `{"jsonrpc":"2.0","id":79,"result":{"deep":${"[".repeat(200)}${"]".repeat(200)}}}`,
      79,
    );
    // Nesting deeper than any recursive reader: the scan keeps a list of closers, not a call stack.
    const deep = `${'{"a":['.repeat(100_000)}${"]}".repeat(100_000)}`;
    assert.equal(findResponseId(bytes(`{"jsonrpc":"2.0","result":${deep},"id":80}`))?.id, 80);
    assert.equal(findResponseId(bytes(`{"jsonrpc":"2.0","result":${deep.slice(0, -1)},"id":81}`)), undefined);
  });

  test("anything but a plain response to a gateway id is left to JSON.parse", () => {
    const refused = [
      "",
      "this is not json",
      '{"jsonrpc":',
      "42",
      '"a string"',
      "null",
      "[1,2,3]",
      '[{"jsonrpc":"2.0","id":1,"result":{}}]',
      '{"jsonrpc":"2.0","id":"corral:1","result":{}}', // string id (control channel)
      '{"jsonrpc":"2.0","id":"5","result":{}}',
      '{"jsonrpc":"2.0","id":0,"result":{}}',
      '{"jsonrpc":"2.0","id":-1,"result":{}}',
      '{"jsonrpc":"2.0","id":1.0,"result":{}}',
      '{"jsonrpc":"2.0","id":1e3,"result":{}}',
      '{"jsonrpc":"2.0","id":01,"result":{}}',
      '{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"m"}}',
      '{"jsonrpc":"2.0","id":1234567890123456,"result":{}}', // beyond what the gateway hands out
      '{"jsonrpc":"2.0","id":1,"method":"sampling/createMessage","params":{}}', // a request
      '{"jsonrpc":"2.0","method":"notifications/progress","params":{"id":1}}',
      '{"jsonrpc":"1.0","id":1,"result":{}}',
      '{"id":1,"result":{}}',
      '{"jsonrpc":"2.0","id":1}', // neither result nor error
      '{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}', // both
      '{"jsonrpc":"2.0","id":1,"id":2,"result":{}}', // duplicate key: parse keeps the last
      '{"jsonrpc":"2.0","\\u0069d":1,"result":{}}', // escaped key
      '{"jsonrpc":"2.0","id":1,"result":{}}x',
      '{"jsonrpc":"2.0","id":1,"result":{}}{"jsonrpc":"2.0","id":2,"result":{}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":[}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":"unterminated}}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":1}',
      '{"jsonrpc":"2.0","id":1,"result":nope}',
      '{"jsonrpc":"2.0","id":1,"result":{},}',
      '{"jsonrpc":"2.0","id":1,"result":{}}\r',
      '{"jsonrpc":"2.0","id":1,"result":"a\rb"}',
      '{"jsonrpc":"2.0" "id":1,"result":{}}',
      "{'jsonrpc':'2.0','id':1,'result':{}}",
    ];
    for (const text of refused) assert.equal(findResponseId(bytes(text)), undefined, text);
    assert.equal(findResponseId(Buffer.from([0x00, 0x1b, 0xff, 0xfe, 0x80, 0x7f])), undefined);
  });

  test("random garbage never throws, and every answer agrees with JSON.parse", () => {
    const base = '{"jsonrpc":"2.0","result":{"a":["x\\"y",1,{"b":null}]},"id":31}';
    for (const { text } of mutations(base, '{}[]":,\\ a1-2.eE0trufalsn\t', 42)) {
      const found = findResponseId(bytes(text));
      if (found === undefined) continue;
      // The scan only checks shape; where the line is valid JSON it must read the same id.
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      assert.equal(parsed.id, found.id, text);
    }
  });
});

describe("scanTopLevelMembers", () => {
  test("keys and value spans in order", () => {
    const text = '{"a":1,"b":"two","c":{"d":[3]},"e":true}';
    const members = scanTopLevelMembers(bytes(text));
    assert.deepEqual(
      members?.map((member) => [member.key, text.slice(member.start, member.end)]),
      [
        ["a", "1"],
        ["b", '"two"'],
        ["c", '{"d":[3]}'],
        ["e", "true"],
      ],
    );
    assert.deepEqual(scanTopLevelMembers(bytes(" {} ")), []);
    assert.equal(scanTopLevelMembers(bytes("{} []")), undefined);
  });
});

/** What the server reads from the spliced bytes must be what re-serialising the parsed request says. */
function assertSpliceAgrees(body: Buffer, upstreamId = 7): void {
  const found = findRequestBytes(body);
  assert.ok(found, `expected ${body.toString("utf8").slice(0, 80)} to go on as it is`);
  const parsed = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  const spliced = Buffer.concat(spliceRequestId(found, upstreamId));
  assert.equal(spliced.includes(0x0a), false);
  assert.deepEqual(JSON.parse(spliced.toString("utf8")), { ...parsed, id: upstreamId });
  assert.deepEqual(
    JSON.parse(spliced.toString("utf8")),
    JSON.parse(JSON.stringify({ ...parsed, id: upstreamId })),
  );
}

describe("findRequestBytes", () => {
  test("plain requests go on with only the id replaced, wherever the id is and whatever it is", () => {
    assertSpliceAgrees(bytes('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}'));
    assertSpliceAgrees(bytes('{"method":"ping","jsonrpc":"2.0","id":"a-string-id"}'));
    assertSpliceAgrees(
      bytes('{"params":{"id":99,"x":[1,{"id":2}]},"id":-4.5e3,"method":"m","jsonrpc":"2.0"}'),
    );
    assertSpliceAgrees(bytes(' { "jsonrpc" : "2.0" ,\t"id" : 3 , "method" : "m" } '));
    assertSpliceAgrees(bytes('{"jsonrpc":"2.0","id":null,"method":"m"}'));
  });

  test("escapes, multi-byte UTF-8, lone surrogates and numbers JSON cannot hold exactly", () => {
    assertSpliceAgrees(
      bytes(
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":' +
          '{"text":"é ✓ 😀 \\u00e9 \\ud83d\\ude00 \\ud800 \\" \\\\ \\n \\u2028 \u2028","n":12345678901234567890,"f":1.0}}}',
      ),
    );
  });

  test("a 1 MiB argument goes on without being read", () => {
    const text = "x".repeat(1024 * 1024);
    const body = bytes(
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"text":"${text}"}}}`,
    );
    assertSpliceAgrees(body);
  });

  test("anything else is re-serialised from the parsed request", () => {
    const refused = [
      // Line breaks are valid whitespace in JSON, but the message travels as one line.
      '{"jsonrpc":"2.0",\n"id":1,"method":"m"}',
      '{"jsonrpc":"2.0",\r"id":1,"method":"m"}',
      // Keys a server must not see, or not see twice, or not see escaped.
      '{"jsonrpc":"2.0","id":1,"method":"m","extra":true}',
      '{"jsonrpc":"2.0","id":1,"id":2,"method":"m"}',
      '{"jsonrpc":"2.0","\\u0069d":1,"method":"m"}',
      '{"jsonrpc":"1.0","id":1,"method":"m"}',
      '{"jsonrpc":"2.0","method":"notifications/initialized"}',
      '[{"jsonrpc":"2.0","id":1,"method":"m"}]',
    ];
    for (const text of refused) {
      JSON.parse(text); // each of them is valid JSON: the refusal is about shape, not syntax
      assert.equal(findRequestBytes(bytes(text)), undefined, text);
    }
    // Invalid UTF-8 reaches JSON.parse as U+FFFD; only re-serialising sends the server what it read.
    const invalid = Buffer.concat([
      bytes('{"jsonrpc":"2.0","id":1,"method":"m","params":{"t":"'),
      Buffer.from([0xff, 0xc3]),
      bytes('"}}'),
    ]);
    assert.equal(findRequestBytes(invalid), undefined);
  });

  test("mutated requests: whatever goes on as it is agrees with JSON.parse", () => {
    const base =
      '{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"e\\"cho","a":[1,{"id":2}]}}';
    let spliced = 0;
    for (const { text, round } of mutations(base, '{}[]":,\\ a1-2.eE0trufalsnid\t', 7)) {
      try {
        JSON.parse(text);
      } catch {
        continue; // the gateway answers a parse error before it ever looks for the id
      }
      if (findRequestBytes(bytes(text)) === undefined) continue;
      assertSpliceAgrees(bytes(text), 1_000 + round);
      spliced += 1;
    }
    assert.ok(spliced > 100, `only ${spliced} mutations were valid requests the splice took`);
  });
});

describe("renameInRequest", () => {
  const rename = (text: string, name: string, upstreamId = 9) => {
    const found = findRequestBytes(bytes(text));
    assert.ok(found, text);
    const renamed = renameInRequest(found, name);
    if (renamed === undefined) return undefined;
    return JSON.parse(Buffer.concat(spliceRequestId(renamed, upstreamId)).toString("utf8")) as unknown;
  };

  test("params.name is replaced, with the id, before or after it, and nothing else changes", () => {
    const args = '"arguments":{"name":"inner","text":"\\"name\\":\\"x\\""}';
    for (const text of [
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s__echo",${args}}}`,
      `{"params":{${args},"name":"s__echo"},"method":"tools/call","jsonrpc":"2.0","id":"one"}`,
      `{"jsonrpc":"2.0","method":"tools/call","params":{ "name" : "s__\\u0065cho" ,${args}},"id":1}`,
    ]) {
      const parsed = JSON.parse(text) as { params: Record<string, unknown> };
      for (const name of ["echo", 'quo"te', "é✓😀", "new\nline"]) {
        assert.deepEqual(rename(text, name), { ...parsed, id: 9, params: { ...parsed.params, name } }, text);
      }
    }
  });

  test("no params, params that are not an object, or a name that is not a string: parse instead", () => {
    for (const text of [
      '{"jsonrpc":"2.0","id":1,"method":"tools/call"}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["s__echo"]}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}',
    ]) {
      assert.equal(rename(text, "echo"), undefined, text);
    }
  });
});

describe("findDuplicateKey", () => {
  const find = (text: string) => findDuplicateKey(Buffer.from(text));

  test("finds a key twice in one object at any depth, escaped or not, and says where", () => {
    assert.equal(find('{"a":1,"a":2}'), "/a");
    assert.equal(find('{"p":{"x":[1,{"k":1,"k":2}]}}'), "/p/x/1/k");
    assert.equal(find('{"p":{"name":"a","na\\u006de":"b"}}'), "/p/name");
    assert.equal(find('{"\u00e9":1,"\\u00e9":2}'), "/\u00e9");
    assert.equal(find('[{"a":1},{"b":1,"b":2}]'), "/1/b");
    assert.equal(find('{"x/y~":{"q":1,"q":2}}'), "/x~1y~0/q");
    const wide = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(",");
    assert.equal(find(`{${wide},"k39":0}`), "/k39", "wide objects go through a Set");
    assert.equal(find(`{"k\\u0033":0,${wide}}`), "/k3", "an escaped key among many");
  });

  test("equal keys in different objects, and keys inside strings, are no duplicates", () => {
    for (const text of [
      '{"a":{"b":1},"c":{"b":1}}',
      '[{"a":1},{"a":1}]',
      '{"a":"\\"a\\":1","b":["a","a"]}',
      '{"ab":1,"ba":2,"a":3,"b":{"a":1},"c":4}',
      '{"a":{"a":{"a":1}}}',
      "{}",
      "[]",
      '"a"',
    ])
      assert.equal(find(text), undefined, text);
  });
});
