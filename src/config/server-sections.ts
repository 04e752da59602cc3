// The nested sections of a server entry (restart, stop, health, limits, sandbox, tools), each a strict
// object whose keys are all optional; the normaliser fills in the defaults documented here.
import { z } from "zod";
import { SERVER_DEFAULTS as D } from "./defaults.js";
import { formatDuration } from "./duration.js";
import { finiteDuration, flag, integer, oneOf, positiveNumber, size, stringList } from "./schema-values.js";

const ms = formatDuration;

export const restartSchema = z
  .strictObject({
    enabled: flag({ description: "Restart the server when it exits.", default: D.restart.enabled }),
    initialDelay: finiteDuration({
      description: "Delay before the first restart; it doubles after each failure.",
      default: ms(D.restart.initialDelayMs),
    }),
    maxDelay: finiteDuration({
      description: "Upper bound of the restart delay.",
      default: ms(D.restart.maxDelayMs),
    }),
    resetAfter: finiteDuration({
      description: "A run that stays ready this long resets the failure count.",
      default: ms(D.restart.resetAfterMs),
    }),
    maxFailures: integer({
      description: "Failures in a row before the server is `failed`.",
      min: 1,
      default: D.restart.maxFailures,
    }),
  })
  .partial();

export const stopSchema = z
  .strictObject({
    stdinGrace: finiteDuration({
      description: "Wait after closing stdin before SIGTERM.",
      default: ms(D.stop.stdinGraceMs),
    }),
    termGrace: finiteDuration({
      description: "Wait after SIGTERM before SIGKILL.",
      default: ms(D.stop.termGraceMs),
    }),
  })
  .partial();

export const healthSchema = z
  .strictObject({
    interval: finiteDuration({
      description: "Time between health pings.",
      positive: true,
      default: ms(D.health.intervalMs),
    }),
    timeout: finiteDuration({
      description: "A ping slower than this fails.",
      positive: true,
      default: ms(D.health.timeoutMs),
    }),
    failureThreshold: integer({
      description: "Failed pings in a row before the instance is restarted.",
      min: 1,
      default: D.health.failureThreshold,
    }),
  })
  .partial();

export const limitsSchema = z
  .strictObject({
    memory: size({ description: "Memory limit (cgroup), e.g. 256Mi or 1Gi." }),
    cpu: positiveNumber({ description: "CPU cores, e.g. 0.5." }),
    pids: integer({ description: "Most processes and threads at once.", min: 1 }),
    enforce: oneOf(["strict", "best-effort"], {
      description: "strict refuses to start the server when a limit cannot be applied.",
      default: D.limits.enforce,
    }),
  })
  .partial();

export const sandboxSchema = z
  .strictObject({
    network: oneOf(["none", "host"], {
      description: "Network access inside the sandbox.",
      default: D.sandbox.network,
    }),
    readable: stringList({
      description: "Paths the server may read; the host is hidden otherwise (relative to the config file).",
    }),
    readOnly: stringList({
      description: "Paths mounted read-only, even inside a writable one (relative to the config file).",
    }),
    writable: stringList({ description: "Paths mounted writable (relative to the config file)." }),
    tmp: oneOf(["private", "host"], { description: "A private /tmp or the host's.", default: D.sandbox.tmp }),
  })
  .partial();

export const toolsSchema = z
  .strictObject({
    allow: stringList({ description: "Only these tools are exposed." }),
    deny: stringList({ description: "These tools are hidden." }),
  })
  .partial();
