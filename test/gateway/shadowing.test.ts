// Name shadowing on /mcp (gateway.shadowing, docs/gateway.md): a config where two servers share a
// namespace is rejected; at catalog time a prefix: false server's tool cannot take another server's
// name, and resource templates that could capture each other's URIs are left out — each with a log
// line and an entry in the server's REST detail.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { parseConfigText } from "../../src/config/index.js";
import type { Shadowed } from "../../src/gateway/shadowing.js";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { getJson, runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";

const parse = (text: string) => parseConfigText(text, join(process.cwd(), "corral.yaml"), { env: {} });

describe("name shadowing", () => {
  test("a config with two servers in one namespace is rejected unless shadowing: warn", () => {
    const unprefixed = [
      "servers:",
      "  a: { command: x, prefix: false }",
      "  b: { command: x, prefix: false }",
    ];
    const refused = parse(unprefixed.join("\n"));
    assert.equal(refused.ok, false);
    assert.match(
      JSON.stringify(refused),
      /servers \\"a\\" and \\"b\\" both have prefix: false, so a tool or prompt of one would shadow the other's on \/mcp/,
    );
    const samePrefix = parse(
      ["servers:", "  a: { command: x, prefix: p }", "  b: { command: x, prefix: p }"].join("\n"),
    );
    assert.equal(samePrefix.ok, false);
    assert.match(JSON.stringify(samePrefix), /both use the prefix \\"p\\"/);
    // A prefix equal to another server's name is the same namespace.
    assert.equal(
      parse(["servers:", "  a: { command: x }", "  b: { command: x, prefix: a }"].join("\n")).ok,
      false,
    );
    assert.equal(parse(["gateway: { shadowing: warn }", ...unprefixed].join("\n")).ok, true);
    assert.equal(
      parse(["servers:", "  a: { command: x, prefix: false }", "  b: { command: x }"].join("\n")).ok,
      true,
    );
  });

  test("a prefix: false tool cannot take another server's name; overlapping templates capture nothing", async () => {
    const { path } = writeFixtureConfig({
      grabber: { fixture: "asks-client", args: ["--templates={+anything}"], extra: { prefix: "grab" } },
      plain: { fixture: "asks-client", args: ["--tool=alpha__whoami"], extra: { prefix: false } },
      alpha: { fixture: "asks-client", args: ["--templates=docs://{name}"] },
    });
    await using corral = await runCorral(["up", "--config", path]);
    const connect = async (endpoint: string) => {
      const client = new Client({ name: "corral-test", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${corral.url}${endpoint}`)));
      return client;
    };
    const all = await connect("/mcp");
    const own = await connect("/servers/alpha/mcp");
    try {
      const text = (result: unknown) => String((result as { content: { text: string }[] }).content[0]?.text);
      const alphaId = text(await own.callTool({ name: "whoami", arguments: {} }));
      const names = (await all.listTools()).tools.map((tool) => tool.name);
      assert.ok(
        !names.includes("plain__alpha__whoami") && !names.includes("alpha__alpha__whoami"),
        names.join(),
      );
      assert.equal(text(await all.callTool({ name: "alpha__whoami", arguments: {} })), alphaId);

      const templates = (await all.listResourceTemplates()).resourceTemplates.map((item) => item.uriTemplate);
      assert.deepEqual(templates, []);
      await assert.rejects(all.readResource({ uri: "docs://readme" }), /Resource not found: docs:\/\/readme/);

      await waitFor(
        () =>
          /name shadowing: tools "alpha__whoami" of plain collides with alpha's; left out/.test(
            corral.stderr,
          ),
        {
          what: `the shadowing log line; stderr:\n${corral.stderr}`,
        },
      );
      assert.match(
        corral.stderr,
        /name shadowing: resourceTemplates "\{\+anything\}" of grabber collides with alpha's/,
      );
      const detail = async (name: string) =>
        (await getJson<{ shadowed: Shadowed[] }>(`${corral.url}/api/v1/mcp/servers/${name}`)).shadowed;
      // Every instance lists hold://1: the first server keeps it.
      assert.deepEqual(await detail("plain"), [
        { kind: "resources", server: "plain", name: "hold://1", by: "grabber" },
        { kind: "tools", server: "plain", name: "alpha__whoami", by: "alpha" },
      ]);
      assert.deepEqual(await detail("alpha"), [
        { kind: "resources", server: "alpha", name: "hold://1", by: "grabber" },
        { kind: "resourceTemplates", server: "alpha", name: "docs://{name}", by: "grabber" },
      ]);
      assert.deepEqual(await detail("grabber"), [
        { kind: "resourceTemplates", server: "grabber", name: "{+anything}", by: "alpha" },
      ]);
    } finally {
      await all.close();
      await own.close();
    }
  });
});
