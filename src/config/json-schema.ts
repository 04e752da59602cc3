// The JSON Schema of the config file, generated from the zod schema so it cannot drift; checked in as
// config.schema.json for editors (`# yaml-language-server: $schema=…`), with a test that it is current.
import { z } from "zod";
import { configFileSchema } from "./schema.js";

/** The JSON Schema (draft 2020-12) describing what a config file may contain, before normalisation. */
export function buildConfigJsonSchema(): Record<string, unknown> {
  // "input": the schema describes what a person writes ("10m"), not the milliseconds it becomes.
  const schema = z.toJSONSchema(configFileSchema, { io: "input", unrepresentable: "any" });
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}
