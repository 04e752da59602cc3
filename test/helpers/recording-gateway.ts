// A gateway in front of one `records-lines` server ("rec") that writes every line it reads to a file:
// tests of what reaches a server (nothing, for refused input) count those lines. Health pings are
// off, so every line the server reads is one the test caused.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFixtureConfig } from "./config-file.js";
import { type CorralRun, runCorral } from "./corral-process.js";

export interface RecordingGateway {
  readonly corral: CorralRun;
  /** The lines the server has read so far. */
  linesRead(): string[];
}

/** Starts it; `extra` goes into the server's config (policy, limits …). Dispose `corral` when done. */
export async function startRecordingGateway(extra: Record<string, unknown> = {}): Promise<RecordingGateway> {
  const { path, dir } = writeFixtureConfig({
    rec: {
      fixture: "records-lines",
      args: (folder) => [join(folder, "lines.txt")],
      extra: { health: { interval: "1h" }, ...extra },
    },
  });
  const linesFile = join(dir, "lines.txt");
  const corral = await runCorral(["up", "--config", path]);
  return { corral, linesRead: () => readFileSync(linesFile, "utf8").split("\n").slice(0, -1) };
}
