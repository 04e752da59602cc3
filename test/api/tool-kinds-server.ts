// A stdio fixture for the REST tests: tools whose inputSchemas need a given JSON Schema dialect
// (2020-12 `prefixItems`, draft-07 `dependencies`, draft-07 array `items` without `$schema`), one
// that reports a tool-level error, one whose schema does not compile, and `say`, which writes its
// text to stderr (for the logs endpoints).
import { createStdioServer, log, textResult } from "../fixtures/lib/stdio-server.js";

createStdioServer({
  name: "tool-kinds",
  tools: [
    {
      name: "pairs",
      description: "Takes a [string, integer] pair (JSON Schema 2020-12 prefixItems).",
      inputSchema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: {
          pair: { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], items: false },
        },
        required: ["pair"],
      },
      call: (args) => textResult(JSON.stringify(args.pair)),
    },
    {
      name: "measure",
      description: "Takes n and, with it, a unit (draft-07 dependencies).",
      inputSchema: {
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        properties: { n: { type: "integer", minimum: 1 }, unit: { type: "string" } },
        dependencies: { n: ["unit"] },
      },
      call: (args) => textResult(`${String(args.n)} ${String(args.unit)}`),
    },
    {
      name: "tuple",
      description: "Takes a one-string tuple (draft-07 array items, no $schema).",
      inputSchema: {
        type: "object",
        properties: { items: { type: "array", items: [{ type: "string" }], additionalItems: false } },
      },
      call: (args) => textResult(JSON.stringify(args.items)),
    },
    {
      name: "fails",
      description: "Always reports a tool-level error.",
      inputSchema: { type: "object" },
      call: () => ({ ...textResult("this tool always fails"), isError: true }),
    },
    {
      name: "unchecked",
      description: "A schema that does not compile (a dangling $ref): arguments go through unchecked.",
      inputSchema: { type: "object", properties: { x: { $ref: "#/$defs/missing" } } },
      call: (args) => textResult(JSON.stringify(args)),
    },
    {
      name: "say",
      description: "Writes its text to stderr and returns it.",
      inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
      call: (args) => {
        log(String(args.text));
        return textResult(String(args.text));
      },
    },
  ],
});
log("tool-kinds ready");
