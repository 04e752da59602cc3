// Writes config.schema.json from the compiled zod schema (`npm run schema` builds first). A test fails
// when the checked-in file and the schema drift apart.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { buildConfigJsonSchema } from "../dist/src/config/index.js";

const target = resolve(import.meta.dirname, "..", "config.schema.json");
writeFileSync(target, `${JSON.stringify(buildConfigJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
