// GET /api/v1/openapi.json: a valid OpenAPI 3.1 document (checked by a validator library), and every
// route and method in it answers on a running gateway (never 404 route-not-found or 405) with a
// documented status and a body its schema accepts; every route but the probes refuses a foreign Host.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { buildOpenApiDocument } from "../../src/api/index.js";
import { runCorral } from "../helpers/corral-process.js";
import { waitFor } from "../helpers/wait.js";
import { call, errorOf, fixtureServer, post, rawRequest, writeConfig } from "./api-config.js";
import { createShapeChecker } from "./openapi-shapes.js";

type Operation = { requestBody?: unknown; responses: Record<string, unknown> };
type OpenApi = {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
};

describe("OpenAPI", () => {
  test("the document validates and every route in it answers", async () => {
    const { path } = writeConfig(() => ({ kinds: fixtureServer("tool-kinds") }));
    await using corral = await runCorral(["up", "--config", path]);
    const { status, body } = await call(`${corral.url}/api/v1/openapi.json`);
    assert.equal(status, 200);
    const document = body as unknown as OpenApi;
    assert.equal(document.openapi, "3.1.0");

    assert.deepEqual(
      document,
      JSON.parse(JSON.stringify(buildOpenApiDocument(document.info.version))),
      "the served document is the built one",
    );
    const shapes = createShapeChecker(document as never);

    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as never);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(validator.version, "3.1");

    await waitFor(
      async () => (await call(`${corral.url}/api/v1/mcp/tools?server=kinds`)).body.unlisted !== undefined,
      {
        what: "the gateway answering",
      },
    );
    const expected = [
      "/healthz",
      "/readyz",
      "/api/v1/openapi.json",
      "/api/v1/mcp/servers",
      "/api/v1/mcp/servers/{name}",
      "/api/v1/mcp/status",
      "/api/v1/mcp/tools",
      "/api/v1/mcp/execute",
      "/api/v1/mcp/servers/{name}/logs",
      "/api/v1/mcp/servers/{name}/start",
      "/api/v1/mcp/servers/{name}/stop",
      "/api/v1/mcp/servers/{name}/restart",
    ];
    assert.deepEqual(Object.keys(document.paths).sort(), [...expected].sort());

    const bodies: Record<string, unknown> = {
      "/api/v1/mcp/execute": { server: "kinds", tool: "echo", arguments: { text: "openapi" } },
    };
    // stop before start, restart last, so the server is running at the end.
    const order = (key: string) =>
      key.endsWith("/stop") ? 1 : key.endsWith("/start") ? 2 : key.endsWith("/restart") ? 3 : 0;
    const operations = Object.entries(document.paths)
      .flatMap(([template, methods]) => Object.keys(methods).map((method) => ({ template, method })))
      .sort((a, b) => order(a.template) - order(b.template));
    for (const { template, method } of operations) {
      const url = `${corral.url}${template.replace("{name}", "kinds")}`;
      const answer =
        method === "post"
          ? await post(url, bodies[template] ?? "")
          : await call(url, { method: method.toUpperCase() });
      const documented = Object.keys(document.paths[template]?.[method]?.responses ?? {});
      assert.ok(
        ![404, 405].includes(answer.status),
        `${method} ${template}: ${answer.status} ${JSON.stringify(answer.body)}`,
      );
      assert.ok(
        documented.includes(String(answer.status)),
        `${method} ${template}: ${answer.status} is not documented`,
      );
      assert.notEqual(errorOf(answer.body).code, "ROUTE_NOT_FOUND");
      if (!template.endsWith("/logs") || answer.headers.get("content-type") === "application/json")
        shapes.assertResponse(template, method, answer.status, answer.body);
    }

    // The Host guard: 403 from every route but the probes, in the documented error shape.
    for (const { template, method } of operations) {
      if (template === "/healthz" || template === "/readyz") continue;
      const url = `${corral.url}${template.replace("{name}", "kinds")}`;
      const answer = await rawRequest(url, { host: "evil.example" }, method.toUpperCase());
      assert.equal(answer.status, 403, `${method} ${template} with a foreign Host`);
      shapes.assertResponse(template, method, answer.status, answer.body);
      assert.equal(errorOf(answer.body).code, "HOST_NOT_ALLOWED");
    }
  });
});
