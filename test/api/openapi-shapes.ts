// Holds REST answers to the OpenAPI document's response schemas with Ajv (JSON Schema 2020-12, the
// document's dialect). The document's objects are closed (additionalProperties: false), so an answer
// with a key the document does not name fails as surely as one missing a required key.
import assert from "node:assert/strict";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { buildOpenApiDocument } from "../../src/api/index.js";

type Schema = Record<string, unknown>;
type Operation = { responses: Record<string, { content?: Record<string, { schema: Schema }> }> };
type OpenApi = { paths: Record<string, Record<string, Operation>>; components: { schemas: Schema } };

const BASE = "https://corral.invalid/openapi-components";
const addFormats = (formats as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;

/** `#/components/schemas/X` → the same schema in the Ajv instance's components document. */
function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === "$ref" && typeof item === "string"
        ? item.replace("#/components/schemas/", `${BASE}#/$defs/`)
        : rebase(item),
    ]),
  );
}

export interface ShapeChecker {
  /** Fails unless `status` is documented for `method path` and `body` matches its JSON schema. */
  assertResponse(path: string, method: string, status: number, body: unknown): void;
  /** Fails unless `value` matches the named schema of components.schemas. */
  assertSchema(name: string, value: unknown): void;
}

export function createShapeChecker(
  document: OpenApi = buildOpenApiDocument("0.0.0") as unknown as OpenApi,
): ShapeChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: BASE, $defs: rebase(document.components.schemas) });
  const compiled = new Map<string, ValidateFunction>();
  const check = (key: string, schema: () => Schema, value: unknown, what: string) => {
    let validate = compiled.get(key);
    if (validate === undefined) {
      validate = ajv.compile(rebase(schema()) as Schema);
      compiled.set(key, validate);
    }
    assert.ok(
      validate(value),
      `${what} does not match the OpenAPI schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`,
    );
  };
  return {
    assertResponse(path, method, status, body) {
      const operation = document.paths[path]?.[method.toLowerCase()];
      assert.ok(operation !== undefined, `${method} ${path} is not in the OpenAPI document`);
      const response = operation.responses[String(status)];
      assert.ok(response !== undefined, `${method} ${path}: status ${status} is not documented`);
      const schema = response.content?.["application/json"]?.schema;
      assert.ok(schema !== undefined, `${method} ${path} ${status}: no JSON schema`);
      check(`${method} ${path} ${status}`, () => schema, body, `${method} ${path} ${status}`);
    },
    assertSchema(name, value) {
      assert.ok(name in document.components.schemas, `no schema ${name}`);
      check(name, () => ({ $ref: `#/components/schemas/${name}` }), value, name);
    },
  };
}
