// A tool added by an upstream at run time reaches connected clients through list_changed, on the
// aggregate endpoint (after the catalog refreshed) and on the server's own endpoint.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { writeFixtureConfig } from "../helpers/config-file.js";
import { runCorral } from "../helpers/corral-process.js";
import { McpHttpClient, textOf } from "../helpers/mcp-http.js";
import { waitFor } from "../helpers/wait.js";

const names = async (client: McpHttpClient) =>
  ((await client.request("tools/list")).result as { tools: { name: string }[] }).tools.map(
    (tool) => tool.name,
  );

describe("list_changed", () => {
  test("a tool added at run time reaches clients of /mcp and of /servers/<name>/mcp", async () => {
    const { path } = writeFixtureConfig({ grow: { fixture: "adds-tool-later" } });
    await using corral = await runCorral(["up", "--config", path]);
    const aggregate = await McpHttpClient.connect(`${corral.url}/mcp`);
    const own = await McpHttpClient.connect(`${corral.url}/servers/grow/mcp`);
    const aggregateStream = await aggregate.openStream();
    const ownStream = await own.openStream();
    assert.ok(!(await names(aggregate)).includes("grow__late"));

    const added = await own.request("tools/call", { name: "add_tool", arguments: { name: "late" } });
    assert.equal(textOf(added), "added late");
    const changed = (messages: { method?: string }[]) =>
      messages.some((m) => m.method === "notifications/tools/list_changed");
    await waitFor(() => changed(ownStream.messages), { what: "list_changed on the server endpoint" });
    await waitFor(() => changed(aggregateStream.messages), { what: "list_changed on /mcp" });
    assert.ok((await names(aggregate)).includes("grow__late"));
    assert.ok((await names(own)).includes("late"));
    assert.equal(
      textOf(await aggregate.request("tools/call", { name: "grow__late", arguments: {} })),
      "late works",
    );
    aggregateStream.close();
    ownStream.close();
  });
});
