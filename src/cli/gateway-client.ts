// How commands other than `up` reach a running gateway: `--url`, else CORRAL_URL, else the default.
// A REST error body becomes a CorralError with the body's code, so commands and their exit codes
// see what the gateway said.
import { CorralError, ERROR_CODES, type ErrorCode } from "../core/index.js";

export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:11000";

export function resolveGatewayUrl(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return (explicit ?? env.CORRAL_URL ?? DEFAULT_GATEWAY_URL).replace(/\/+$/, "");
}

function unreachable(url: string, error: unknown): CorralError {
  return new CorralError(
    "GATEWAY_UNREACHABLE",
    `no gateway answered at ${new URL(url).origin} (${String((error as Error).cause ?? error)}); start one with corral up, or pass --url`,
    { cause: error },
  );
}

/** The error a non-2xx answer stands for, keeping the body's code, server and details. */
function errorOfResponse(url: string, status: number, body: unknown): CorralError {
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  const code = typeof error?.code === "string" ? error.code : undefined;
  const message = typeof error?.message === "string" ? error.message : `HTTP ${status}`;
  const server = typeof error?.server === "string" ? error.server : undefined;
  if (code !== undefined && (ERROR_CODES as readonly string[]).includes(code)) {
    const text =
      code === "SERVER_NOT_FOUND" && !message.includes("corral ps") ? `${message}; see corral ps` : message;
    return new CorralError(code as ErrorCode, text, {
      ...(server === undefined ? {} : { server }),
      details: { status, ...error },
    });
  }
  return new CorralError("GATEWAY_UNREACHABLE", `${url}: ${message}`, { details: { status } });
}

/** Sends a request; resolves with the Response once its headers arrived (for streams). */
export async function fetchResponse(
  url: string,
  init: RequestInit & { readonly timeoutMs?: number } = {},
): Promise<Response> {
  const { timeoutMs, ...rest } = init;
  const signals = [rest.signal, timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs)].filter(
    (signal): signal is AbortSignal => signal !== undefined && signal !== null,
  );
  let response: Response;
  try {
    response = await fetch(url, {
      ...rest,
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
    });
  } catch (error) {
    throw unreachable(url, error);
  }
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => undefined);
    throw errorOfResponse(url, response.status, body);
  }
  return response;
}

export async function fetchJson(url: string, timeoutMs = 5_000, init: RequestInit = {}): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw unreachable(url, error);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw errorOfResponse(url, response.status, body);
  return body;
}

/** POSTs a JSON body and parses the JSON answer. */
export function postJson(url: string, body: unknown, timeoutMs = 5_000): Promise<unknown> {
  return fetchJson(url, timeoutMs, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
