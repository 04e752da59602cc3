// The countdown to a server's next start attempt, computed when shown: reasons never carry one, so
// it cannot be frozen at the moment of the transition (ps, start|restart --wait).
import type { ServerView } from "../api/index.js";
import { formatDuration } from "../supervisor/index.js";

/** "; next try in 2.4s" for a server in backoff: counted down now, never frozen into the reason. */
export function formatNextTry(server: ServerView, now: number): string {
  if (server.state !== "backoff") return "";
  const next = server.instances
    .map((instance) => (instance.nextAttemptAt === null ? Number.NaN : Date.parse(instance.nextAttemptAt)))
    .filter((at) => !Number.isNaN(at))
    .sort((a, b) => a - b)[0];
  return next === undefined ? "" : `; next try in ${formatDuration(Math.max(0, next - now))}`;
}
