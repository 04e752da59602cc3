// The reference ceiling for any node gateway with an upstream: a bare node:http server that relays
// every request to one shared server-everything process over stdio, with the least work that can still
// multiplex clients (a fresh upstream id per request, the client's id put back on the answer). No
// sessions, no policy, no timeouts, no cancellation: it shows what one HTTP exchange plus one pipe
// round trip cost on this machine, which no real gateway can beat. Prints `bench-listening <address>`.
//
//   node bare-relay.mjs <server command> [args...]

import { spawn } from "node:child_process";
import { serveBareMcp } from "./bare-server.mjs";

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
child.on("exit", () => process.exit(1));
process.on("SIGTERM", () => {
  child.kill("SIGTERM");
  process.exit(0);
});

const waiting = new Map();
let nextId = 1;
let buffered = "";
child.stdout.setEncoding("utf8");
child.stdout.on("data", (text) => {
  buffered += text;
  for (let newline = buffered.indexOf("\n"); newline !== -1; newline = buffered.indexOf("\n")) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    // Only the id is read: server-everything (the SDK) writes it as the last member of an answer, and
    // a quote inside a string value is escaped, so the last `"id":` is the key. Anything else is skipped.
    const at = line.lastIndexOf('"id":');
    const id = at === -1 ? Number.NaN : Number(line.slice(at + 5, -1));
    const answer = waiting.get(id);
    if (answer === undefined) continue;
    waiting.delete(id);
    answer(line.slice(0, at + 5));
  }
});

function relay(method, params) {
  const id = nextId++;
  child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
  return new Promise((resolve) => waiting.set(id, resolve));
}

const initialized = await relay("initialize", {
  protocolVersion: "2025-06-18",
  capabilities: {},
  clientInfo: { name: "bare-relay", version: "0.0.0" },
});
child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
const serverResult = JSON.parse(`${initialized}1}`).result;

serveBareMcp({
  initializeResult: () => serverResult,
  // The answer up to its id, which gets the client's own: the same splice Corral does.
  answer: async (message) => `${await relay(message.method, message.params)}${JSON.stringify(message.id)}}`,
});
