// GET /api/v1/mcp/servers/{name}/logs: the last stderr lines of a server's instances, merged by time;
// with `follow=1` an SSE stream of those lines and then of every new one, until the client leaves.

import type { ServerResponse } from "node:http";
import type { Instance, Supervisor } from "../supervisor/index.js";
import type { RestError } from "./error-responses.js";
import { keepAlive, SSE_HEADERS, writeSseEvent } from "./sse.js";

export const MAX_TAIL = 1_000;
export const DEFAULT_TAIL = 100;

export interface LogLineView {
  readonly at: string;
  readonly instance: string;
  readonly text: string;
}

export interface LogsQuery {
  readonly tail: number;
  readonly follow: boolean;
}

export function parseLogsQuery(search: URLSearchParams): LogsQuery | RestError {
  const tailText = search.get("tail");
  const tail = tailText === null ? DEFAULT_TAIL : Number(tailText);
  if (!Number.isInteger(tail) || tail < 0 || tail > MAX_TAIL) {
    return {
      code: "BAD_REQUEST",
      message: `tail must be an integer from 0 to ${MAX_TAIL}, got "${tailText}"`,
    };
  }
  const followText = search.get("follow");
  if (followText !== null && !["", "0", "1", "true", "false"].includes(followText)) {
    return { code: "BAD_REQUEST", message: `follow must be 1 or 0, got "${followText}"` };
  }
  return { tail, follow: followText === "" || followText === "1" || followText === "true" };
}

const view = (instance: Instance, line: { at: number; text: string }): LogLineView => ({
  at: new Date(line.at).toISOString(),
  instance: instance.id,
  text: line.text,
});

export function tailLines(instances: readonly Instance[], count: number): LogLineView[] {
  const lines = instances.flatMap((instance) =>
    instance.stderr.tail(count).map((line) => ({ instance, line })),
  );
  lines.sort((a, b) => a.line.at - b.line.at);
  return lines.slice(Math.max(0, lines.length - count)).map(({ instance, line }) => view(instance, line));
}

/** Streams the tail, then every new line of every instance of `server` (per-session ones included). */
export function followLogs(
  supervisor: Supervisor,
  server: string,
  tail: number,
  response: ServerResponse,
  /** Applied to every line: a server may print its own token. */
  redact: (text: string) => string,
): void {
  const send = (line: LogLineView) =>
    writeSseEvent(response, JSON.stringify({ ...line, text: redact(line.text) }), "line");
  response.writeHead(200, SSE_HEADERS);
  response.flushHeaders();
  for (const line of tailLines(supervisor.getInstances(server), tail)) send(line);
  const subscriptions = new Map<Instance, () => void>();
  const subscribeNew = () => {
    for (const instance of supervisor.getInstances(server)) {
      if (subscriptions.has(instance)) continue;
      subscriptions.set(
        instance,
        instance.stderr.onLine((line) => send(view(instance, line))),
      );
    }
  };
  subscribeNew();
  // Per-session instances come and go; a transition of this server is the moment to look again.
  const unsubscribeTransitions = supervisor.onTransition((transition) => {
    if (transition.server === server) subscribeNew();
  });
  const stopKeepAlive = keepAlive(response, 15_000);
  response.once("close", () => {
    stopKeepAlive();
    unsubscribeTransitions();
    for (const unsubscribe of subscriptions.values()) unsubscribe();
  });
}
