// `corral start|stop|restart <server>`: ask a running gateway to act on one server. Starting a
// running server or stopping a stopped one is not an error ("already ready", exit 0), as with docker.
// `start|restart --wait` then polls the server until it is ready (exit 0) or failed, in backoff or
// stopped (exit 1): polling GET /servers/<name> every 250 ms costs the gateway nothing worth a stream.
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { ServerView } from "../../api/index.js";
import { formatDuration, parseDuration } from "../../config/runtime.js";
import { CorralError } from "../../core/index.js";
import { fetchJson, postJson, resolveGatewayUrl } from "../gateway-client.js";
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError } from "../io.js";
import { formatNextTry } from "../next-try.js";

export const DEFAULT_WAIT_MS = 60_000;
const POLL_INTERVAL_MS = 250;
/** States in which a waited-for server has arrived; ready and degraded both answer requests. */
const UP: ReadonlySet<string> = new Set(["ready", "degraded"]);
/** States that end the wait with a failure: the start did not take (or was undone). */
const DOWN: ReadonlySet<string> = new Set(["failed", "backoff", "stopped"]);

export function createLifecycleCommand(action: "start" | "stop" | "restart") {
  const waits = action !== "stop";
  return async (argv: readonly string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        url: { type: "string" },
        json: { type: "boolean" },
        ...(waits ? { wait: { type: "boolean" }, timeout: { type: "string" } } : {}),
      } as const,
      allowPositionals: true,
      strict: true,
    });
    const [name] = positionals;
    if (name === undefined || positionals.length > 1)
      throw new UsageError(
        `usage: corral ${action} <server>${waits ? " [--wait [--timeout DURATION]]" : ""} [--url URL] [--json]`,
      );
    const wait = (values as { wait?: boolean }).wait === true;
    const timeoutText = (values as { timeout?: string }).timeout;
    if (timeoutText !== undefined && !wait) throw new UsageError("--timeout goes with --wait");
    const timeoutMs = timeoutText === undefined ? DEFAULT_WAIT_MS : parseDuration(timeoutText);
    if (timeoutMs === undefined || timeoutMs <= 0)
      throw new UsageError(`--timeout must be a duration like 30s or 2m, got "${timeoutText}"`);

    const server = `${resolveGatewayUrl(values.url, io.env)}/api/v1/mcp/servers/${encodeURIComponent(name)}`;
    // The stop ladder can take stop.stdinGrace + stop.termGrace before the gateway answers.
    const body = (await postJson(`${server}/${action}`, {}, 30_000)) as {
      changed?: boolean;
      state?: string;
      reason?: string;
    };
    if (!wait) {
      const already = body.changed === false ? "already " : "";
      io.stdout(
        values.json === true
          ? `${JSON.stringify(body)}\n`
          : `${name}: ${already}${body.state ?? "?"} (${body.reason ?? ""})\n`,
      );
      return EXIT_OK;
    }
    const final = await waitForSettled(server, timeoutMs);
    io.stdout(
      values.json === true
        ? `${JSON.stringify(final, null, 2)}\n`
        : `${name}: ${final.state} (${final.reason}${formatNextTry(final, Date.now())})\n`,
    );
    if (UP.has(final.state)) return EXIT_OK;
    if (DOWN.has(final.state)) return EXIT_FAILURE;
    throw new CorralError(
      "REQUEST_TIMEOUT",
      `${name} is still ${final.state} after ${formatDuration(timeoutMs)}; see corral logs ${name}, or pass a longer --timeout`,
      { server: name },
    );
  };
}

/** The server's view once it is up or down for good, or the last one seen when `timeoutMs` runs out. */
async function waitForSettled(url: string, timeoutMs: number): Promise<ServerView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { server: view } = (await fetchJson(url)) as { server: ServerView };
    if (UP.has(view.state) || DOWN.has(view.state) || Date.now() >= deadline) return view;
    await sleep(Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now())));
  }
}
