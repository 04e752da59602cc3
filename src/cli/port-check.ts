// `corral up` proves it can bind its port before it starts any server: a taken port found only at
// listen time would cost every server a start and a stop, and bury the reason under their logs.
import { createServer } from "node:net";
import { findPortOwner } from "../platform/index.js";

/** Why `host:port` cannot be listened on, as a sentence for the operator; undefined when it can. */
export async function checkPortAvailable(host: string, port: number): Promise<string | undefined> {
  if (port === 0) return undefined;
  const probe = createServer();
  const failure = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    probe.once("error", resolve);
    probe.listen({ host, port, exclusive: true }, () => resolve(undefined));
  });
  if (failure === undefined) {
    await new Promise((resolve) => probe.close(resolve));
    return undefined;
  }
  return describeListenError(host, port, failure);
}

/** The sentence for a failed listen; also used when the port was taken between probe and listen. */
export function describeListenError(host: string, port: number, error: NodeJS.ErrnoException): string {
  if (error.code === "EADDRINUSE") {
    const owner = findPortOwner(port);
    const by = owner === undefined ? "" : ` (by PID ${owner.pid}, ${owner.comm})`;
    return `port ${port} on ${host} is in use${by}; pass --port or stop it`;
  }
  if (error.code === "EACCES") {
    return `port ${port} on ${host} needs privileges corral does not have; pass --port with a port above 1023`;
  }
  if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") {
    return `cannot listen on ${host}: not an address of this machine; pass --host (e.g. 127.0.0.1)`;
  }
  return `cannot listen on ${host}:${port}: ${error.message}`;
}
