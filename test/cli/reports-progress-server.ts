// A stdio server for `corral call`'s progress: its `count` tool sends notifications/progress
// "step i" for i = 1…steps (when the call carries a progressToken), then holds its answer until the
// file `release` exists, so a test can see the progress arrive while the call is still waiting.
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { createStdioServer, type IncomingRequest, log } from "../fixtures/lib/stdio-server.js";

const server = createStdioServer({
  name: "reports-progress",
  tools: [
    {
      name: "count",
      description: "Reports progress per step, answers once the release file exists.",
      inputSchema: {
        type: "object",
        properties: { steps: { type: "integer" }, release: { type: "string" } },
        required: ["steps", "release"],
      },
      call: () => ({ content: [{ type: "text", text: "unreachable: onRequest answers" }] }),
    },
  ],
  onRequest: (message) => {
    const params = message.params as
      | {
          name?: string;
          arguments?: { steps?: number; release?: string };
          _meta?: { progressToken?: unknown };
        }
      | undefined;
    if (message.method !== "tools/call" || params?.name !== "count") return false;
    void count(message as IncomingRequest, params.arguments ?? {}, params._meta?.progressToken);
    return true;
  },
});

async function count(
  request: IncomingRequest,
  args: { steps?: number; release?: string },
  progressToken: unknown,
): Promise<void> {
  const steps = args.steps ?? 3;
  for (let step = 1; step <= steps; step++) {
    if (progressToken === undefined) continue;
    await server.send({
      jsonrpc: "2.0",
      method: "notifications/progress",
      params: { progressToken, progress: step, total: steps, message: `step ${step}` },
    });
  }
  while (args.release !== undefined && !existsSync(args.release)) await sleep(20);
  await server.respond(request, { content: [{ type: "text", text: `counted ${steps}` }] });
}

log("ready");
