// The official TypeScript SDK's Client against the gateway over both client transports: Streamable
// HTTP (`…/mcp`) and the legacy HTTP+SSE transport (`…/sse`), on the aggregate endpoint and on
// single-server endpoints, with the real npm servers `everything` and `memory` behind it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { type CorralRun, runCorral } from "../helpers/corral-process.js";
import { writeNpmServersConfig } from "../helpers/npm-servers-config.js";

const TRANSPORTS = {
  "Streamable HTTP": (base: string) => new StreamableHTTPClientTransport(new URL(`${base}/mcp`)),
  "legacy SSE": (base: string) => new SSEClientTransport(new URL(`${base}/sse`)),
} as const;

type ToolResult = Awaited<ReturnType<Client["callTool"]>>;

function textOf(result: ToolResult): string {
  const content = result.content as { type: string; text?: string }[];
  return content.map((part) => part.text ?? "").join("");
}

async function connectClient(transport: keyof typeof TRANSPORTS, base: string): Promise<Client> {
  const client = new Client({ name: "corral-test", version: "1.0.0" }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
    role: "assistant",
    model: "test-model",
    content: { type: "text", text: `sampled ${request.params.maxTokens}` },
  }));
  await client.connect(TRANSPORTS[transport](base));
  return client;
}

/** The everything server's echo, progress and sampling, under `prefix`. */
async function exerciseEverything(client: Client, prefix: string): Promise<void> {
  assert.equal(
    textOf(await client.callTool({ name: `${prefix}echo`, arguments: { message: "hi" } })),
    "Echo: hi",
  );
  const progress: number[] = [];
  const long = await client.callTool(
    { name: `${prefix}trigger-long-running-operation`, arguments: { duration: 0.3, steps: 3 } },
    undefined,
    { onprogress: (update) => progress.push(update.progress) },
  );
  assert.match(textOf(long), /Long running operation completed/);
  // The SDK handles notifications a microtask late but answers at once, so when the last progress
  // and the answer arrive in one chunk the last progress is dropped by the client: check the others.
  assert.deepEqual(progress.slice(0, 2), [1, 2]);
  const sampled = await client.callTool({
    name: `${prefix}trigger-sampling-request`,
    arguments: { prompt: "hello", maxTokens: 7 },
  });
  assert.match(textOf(sampled), /sampled 7/);
}

/** The memory server keeps an entity and finds it again, under `prefix`. */
async function exerciseMemory(client: Client, prefix: string, entity: string): Promise<void> {
  const created = await client.callTool({
    name: `${prefix}create_entities`,
    arguments: { entities: [{ name: entity, entityType: "test", observations: ["made by a test"] }] },
  });
  assert.equal(created.isError, undefined, textOf(created));
  const found = await client.callTool({ name: `${prefix}open_nodes`, arguments: { names: [entity] } });
  assert.deepEqual(
    (found.structuredContent as { entities: { name: string; observations: string[] }[] }).entities.map(
      (node) => [node.name, node.observations],
    ),
    [[entity, ["made by a test"]]],
  );
}

describe("the SDK client through the gateway", () => {
  let corral: CorralRun;
  before(async () => {
    corral = await runCorral(["up", "--config", writeNpmServersConfig().path]);
  });
  after(async () => {
    await corral?.[Symbol.asyncDispose]();
  });

  for (const transport of Object.keys(TRANSPORTS) as (keyof typeof TRANSPORTS)[]) {
    test(`${transport} on the aggregate endpoint: prefixed names, echo, progress, sampling, memory`, async () => {
      const client = await connectClient(transport, corral.url);
      try {
        assert.equal(client.getServerVersion()?.name, "corral");
        const names = (await client.listTools()).tools.map((tool) => tool.name);
        for (const name of ["everything__echo", "everything__get-sum", "memory__create_entities"])
          assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
        assert.ok(names.every((name) => /^(everything|memory)__/.test(name)));
        await exerciseEverything(client, "everything__");
        await exerciseMemory(client, "memory__", `aggregate-${transport}`);
      } finally {
        await client.close();
      }
    });

    test(`${transport} on /servers/everything: names untouched, echo, progress, sampling`, async () => {
      const client = await connectClient(transport, `${corral.url}/servers/everything`);
      try {
        assert.match(client.getServerVersion()?.name ?? "", /everything/);
        const names = (await client.listTools()).tools.map((tool) => tool.name);
        assert.ok(names.includes("echo"), names.join(", "));
        assert.ok(!names.some((name) => name.includes("__")), names.join(", "));
        await exerciseEverything(client, "");
      } finally {
        await client.close();
      }
    });

    test(`${transport} on /servers/memory: names untouched, entities kept`, async () => {
      const client = await connectClient(transport, `${corral.url}/servers/memory`);
      try {
        assert.equal(client.getServerVersion()?.name, "memory-server");
        const names = (await client.listTools()).tools.map((tool) => tool.name);
        assert.ok(names.includes("create_entities") && names.includes("open_nodes"), names.join(", "));
        await exerciseMemory(client, "", `single-${transport}`);
      } finally {
        await client.close();
      }
    });
  }
});
