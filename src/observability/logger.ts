// The one logger. pino underneath; by default a compact human line per record on stderr, or raw
// JSON lines (`format: "json"`) for machines. Never used per message above debug level. Every line
// passes the redactor it is given.

import { type Logger, pino } from "pino";
import { escapeControlCharacters } from "../core/index.js";

export type { Logger } from "pino";
export type LogFormat = "pretty" | "json";
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  /** Where lines go; defaults to stderr. */
  readonly write?: (line: string) => void;
  /**
   * Applied to every finished line, pretty or JSON (core's Redactor.redactText): the log never holds
   * a secret whatever field or message carries it.
   */
  readonly redact?: (text: string) => string;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
const OMITTED = new Set(["level", "time", "msg", "pid", "hostname", "server"]);

/** Turns one pino JSON record into `HH:MM:SS.mmm LEVEL [server] message key=value …`. */
export function formatLogRecord(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return escapeControlCharacters(json, true);
  }
  const time = new Date(typeof record.time === "number" ? record.time : Date.now())
    .toISOString()
    .slice(11, 23);
  const level = LEVEL_NAMES[record.level as number] ?? String(record.level);
  const server = typeof record.server === "string" ? ` [${record.server}]` : "";
  const extras = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  // One record, one line: a server's stderr line cannot start a forged record or drive the terminal.
  const line = `${time} ${level}${server} ${String(record.msg ?? "")}${extras.length > 0 ? ` ${extras.join(" ")}` : ""}`;
  return `${escapeControlCharacters(line)}\n`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const format = options.format ?? "pretty";
  const redact = options.redact ?? ((text: string) => text);
  const stream = {
    write:
      format === "json"
        ? (line: string) => write(redact(line))
        : (line: string) => write(redact(formatLogRecord(line))),
  };
  return pino({ level: options.level ?? "info", base: null }, stream);
}

/** A logger that drops everything; for tests and library use. */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}
