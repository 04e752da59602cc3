// Sends requests to a supervised instance the way the gateway will: raw lines on its pipe, answers
// matched by id through the instance's message listener.
import type { Instance } from "../../src/supervisor/index.js";
import { waitFor } from "./wait.js";

let nextId = 1;

export async function requestInstance(
  instance: Instance,
  method: string,
  params: unknown,
  timeoutMs = 5_000,
): Promise<{ result?: unknown; error?: unknown }> {
  const id = nextId++;
  let answer: { result?: unknown; error?: unknown } | undefined;
  instance.setMessageListener((message) => {
    if ("id" in message && message.id === id) answer = message as { result?: unknown; error?: unknown };
  });
  if (!instance.send(JSON.stringify({ jsonrpc: "2.0", id, method, params })))
    throw new Error("instance has no process");
  return waitFor(() => answer, { timeoutMs, what: `an answer to ${method}` });
}

export async function callEcho(instance: Instance, text: string): Promise<string | undefined> {
  const answer = await requestInstance(instance, "tools/call", { name: "echo", arguments: { text } });
  return (answer.result as { content?: { text?: string }[] } | undefined)?.content?.[0]?.text;
}
