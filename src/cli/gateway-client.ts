// How commands other than `up` reach a running gateway: `--url`, else CORRAL_URL, else the default.
import { CorralError } from "../core/index.js";

export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:11000";

export function resolveGatewayUrl(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return (explicit ?? env.CORRAL_URL ?? DEFAULT_GATEWAY_URL).replace(/\/+$/, "");
}

export async function fetchJson(url: string, timeoutMs = 5_000, init: RequestInit = {}): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new CorralError(
      "GATEWAY_UNREACHABLE",
      `no gateway answered at ${new URL(url).origin} (${String((error as Error).cause ?? error)}); start one with corral up, or pass --url`,
      { cause: error },
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (error?.code === "SERVER_NOT_FOUND") {
      throw new CorralError("SERVER_NOT_FOUND", `${error.message}; see corral ps`);
    }
    throw new CorralError("GATEWAY_UNREACHABLE", `${url}: ${error?.message ?? `HTTP ${response.status}`}`);
  }
  return body;
}
