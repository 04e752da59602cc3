// A small router for the REST routes: OpenAPI-style path templates (`/servers/{name}`), one handler
// per method, and the difference between an unknown path (404) and a known one asked with another
// method (405 with Allow).

import type { IncomingMessage, ServerResponse } from "node:http";

export interface RestContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** Path parameters, URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The request passed the Host/Origin guard; only /readyz is ever handled without (bare status). */
  readonly guarded: boolean;
}

export interface RestRoute {
  readonly method: "GET" | "POST";
  /** An OpenAPI path template, e.g. `/api/v1/mcp/servers/{name}/logs`. */
  readonly path: string;
  handle(context: RestContext): void | Promise<void>;
}

interface CompiledRoute {
  readonly route: RestRoute;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

export type RouteMatch =
  | { readonly kind: "found"; readonly route: RestRoute; readonly params: Record<string, string> }
  | { readonly kind: "wrong-method"; readonly allow: readonly string[] }
  | { readonly kind: "none" };

function compile(route: RestRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split(/(\{[^}]+\})/)
    .map((part) => {
      if (!part.startsWith("{")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(part.slice(1, -1));
      return "([^/]+)";
    })
    .join("");
  return { route, pattern: new RegExp(`^${source}$`), names };
}

export function createRouter(routes: readonly RestRoute[]): (method: string, path: string) => RouteMatch {
  const compiled = routes.map(compile);
  return (method, path) => {
    const allow: string[] = [];
    for (const { route, pattern, names } of compiled) {
      const match = pattern.exec(path);
      if (match === null) continue;
      if (route.method !== method && !(method === "HEAD" && route.method === "GET")) {
        allow.push(route.method);
        continue;
      }
      let params: Record<string, string>;
      try {
        params = Object.fromEntries(
          names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? "")]),
        );
      } catch {
        continue; // a malformed %-escape matches nothing
      }
      return { kind: "found", route, params };
    }
    return allow.length > 0 ? { kind: "wrong-method", allow } : { kind: "none" };
  };
}
