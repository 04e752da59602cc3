// Forwards a server's stderr lines to the log, at most `linesPerSecond` per instance; a flood is
// summarised ("12034 lines suppressed") instead of drowning the gateway's log and CPU.

import type { Logger } from "../observability/index.js";

export function createStderrForwarder(
  logger: Logger,
  linesPerSecond = 50,
): { forward(line: string): void; flush(): void } {
  let windowStart = 0;
  let inWindow = 0;
  let suppressed = 0;
  const flush = () => {
    if (suppressed > 0)
      logger.warn({ suppressed }, `stderr: ${suppressed} lines not logged (rate limit); see corral logs`);
    suppressed = 0;
  };
  return {
    forward(line) {
      const now = Date.now();
      if (now - windowStart >= 1_000) {
        flush();
        windowStart = now;
        inWindow = 0;
      }
      if (inWindow < linesPerSecond) {
        inWindow += 1;
        logger.info({ stream: "stderr" }, line);
      } else {
        suppressed += 1;
      }
    },
    flush,
  };
}
