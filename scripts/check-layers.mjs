// Keeps the arrows of DESIGN.md §2 honest: a layer imports only layers below it, and another layer's
// folder only through its index.ts. Run by `npm test`; exits 1 listing every offending import.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const root = resolve(process.argv[2] ?? resolve(import.meta.dirname, "..", "src"));
// Lower rank = lower layer. Equal ranks may not import each other.
const RANK = {
  core: 0,
  config: 1,
  observability: 1,
  platform: 2,
  supervisor: 3,
  hygiene: 3,
  upstream: 4,
  gateway: 5,
  api: 6,
  cli: 7,
};

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

const importPattern =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const problems = [];
for (const file of walk(root)) {
  const layer = relative(root, file).split(sep)[0];
  if (!(layer in RANK)) {
    problems.push(
      `${relative(root, file)}: folder "${layer}" is not a known layer; add it to scripts/check-layers.mjs`,
    );
    continue;
  }
  const source = readFileSync(file, "utf8");
  if (layer !== "cli" && /process\.(env|argv)\b/.test(source)) {
    problems.push(`src/${relative(root, file)}: only cli reads process.env or process.argv; pass values in`);
  }
  for (const match of source.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2];
    if (!specifier.startsWith(".")) continue;
    const target = resolve(dirname(file), specifier);
    const targetRel = relative(root, target);
    const targetLayer = targetRel.split(sep)[0];
    if (targetLayer === layer) continue;
    const where = `src/${relative(root, file)}`;
    if (!(targetLayer in RANK)) {
      problems.push(`${where}: imports "${specifier}" outside src/`);
    } else if (RANK[targetLayer] >= RANK[layer]) {
      problems.push(`${where}: ${layer} may not import ${targetLayer} ("${specifier}"); see DESIGN.md §2`);
    } else if (targetRel !== `${targetLayer}${sep}index.js`) {
      problems.push(`${where}: import ${targetLayer} through its index.ts, not "${specifier}"`);
    }
  }
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  console.error(`${problems.length} layering problem(s)`);
  process.exit(1);
}
console.log("layers ok");
