// Runs `corral connect …` as a real process the way a stdio MCP client does: JSON-RPC lines on its
// stdin, one message per line read from its stdout. Disposing kills it if it is still running.
import { type ChildProcess, spawn } from "node:child_process";
import { CORRAL_BIN, REPO_ROOT } from "./corral-process.js";
import type { Message } from "./mcp-http.js";
import { waitFor } from "./wait.js";

export interface ConnectRun extends AsyncDisposable {
  readonly child: ChildProcess;
  /** Every stdout line parsed as JSON, in order. */
  readonly messages: Message[];
  /** stdout lines that were not JSON (there must be none). */
  readonly strayLines: string[];
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  send(message: unknown): void;
  sendRaw(line: string): void;
  /** Sends a request and waits for the line that answers it. */
  request(id: number | string, method: string, params?: unknown, timeoutMs?: number): Promise<Message>;
  waitForMessage(match: (message: Message) => boolean, timeoutMs?: number): Promise<Message>;
  /** Closes stdin, as a client does when it is done. */
  end(): void;
}

/** `launch` is how the client starts it: by default this node running bin/corral.js connect. */
export function runConnect(
  args: readonly string[],
  env: Record<string, string> = {},
  launch: readonly string[] = [process.execPath, CORRAL_BIN, "connect"],
): ConnectRun {
  const [command = process.execPath, ...prefix] = launch;
  const child = spawn(command, [...prefix, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  let partial = "";
  const run: ConnectRun = {
    child,
    messages: [],
    strayLines: [],
    stderr: "",
    exited,
    send: (message) => run.sendRaw(JSON.stringify(message)),
    sendRaw: (line) => {
      child.stdin?.write(`${line}\n`);
    },
    async request(id, method, params, timeoutMs) {
      run.send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });
      return run.waitForMessage((message) => message.id === id && message.method === undefined, timeoutMs);
    },
    waitForMessage(match, timeoutMs = 10_000) {
      return waitFor(() => run.messages.find(match), {
        timeoutMs,
        what: `a matching line from corral connect; stderr:\n${run.stderr}`,
      });
    },
    end: () => {
      child.stdin?.end();
    },
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      try {
        run.messages.push(JSON.parse(line) as Message);
      } catch {
        run.strayLines.push(line);
      }
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    run.stderr += text;
  });
  return run;
}

export const INITIALIZE_PARAMS = {
  protocolVersion: "2025-06-18",
  capabilities: { sampling: {} },
  clientInfo: { name: "stdio-client", version: "1.0.0" },
};
