// The one error type that crosses layer boundaries. Each code is listed, with its meaning and what
// to do, in docs/errors.md; a test keeps the two in step.

export const ERROR_CODES = [
  "STATE_DIR_LOCKED",
  "SPAWN_FAILED",
  "ISOLATION_UNAVAILABLE",
  "PROCESS_BUDGET_EXHAUSTED",
  "CONTAINER_ENGINE_UNREACHABLE",
  "CONTAINER_FAILED",
  "SERVER_NOT_FOUND",
  "SERVER_UNAVAILABLE",
  "HANDSHAKE_FAILED",
  "REQUEST_TIMEOUT",
  "CONNECTION_CLOSED",
  "GATEWAY_UNREACHABLE",
  "BAD_REQUEST",
  "INVALID_ARGUMENTS",
  "HOST_NOT_ALLOWED",
  "ORIGIN_NOT_ALLOWED",
  "TOOL_NOT_FOUND",
  "ROUTE_NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "STATE_CONFLICT",
  "BODY_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "QUOTA_EXCEEDED",
  "UPSTREAM_ERROR",
  "TOOL_ERROR",
  "INTERNAL_ERROR",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface CorralErrorOptions {
  readonly server?: string;
  readonly cause?: unknown;
  readonly details?: Readonly<Record<string, unknown>>;
}

export class CorralError extends Error {
  override readonly name = "CorralError";
  readonly code: ErrorCode;
  readonly server: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: CorralErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.server = options.server;
    this.details = options.details;
  }
}

export function isCorralError(value: unknown, code?: ErrorCode): value is CorralError {
  return value instanceof CorralError && (code === undefined || value.code === code);
}

/** A readable one-line description of anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
