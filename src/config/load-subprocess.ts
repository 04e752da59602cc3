// The body of the short-lived process that loadConfigFileInSubprocess forks: it asks for its one
// request over IPC, runs the ordinary loadConfigFile, sends back the result and exits. zod, yaml and
// the schema are loaded here and nowhere in the gateway.
import { LOADER_READY, type LoaderReply, type LoaderRequest } from "./load-in-subprocess.js";

// Loading starts at once; the request arrives meanwhile.
const loading = import("./load.js");
process.once("message", async ({ path, options }: LoaderRequest) => {
  let reply: LoaderReply;
  try {
    const { loadConfigFile } = await loading;
    reply = { ok: true, result: await loadConfigFile(path, options) };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  // Disconnecting closes the only handle left, so the process ends once the reply is out.
  process.send?.(reply, undefined, undefined, () => {
    if (process.connected) process.disconnect();
  });
});
// Only now: a message that arrived before the listener above would have been dropped.
process.send?.(LOADER_READY);
