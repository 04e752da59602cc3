// Keeps the arrows of DESIGN.md §2 honest: a layer imports only layers below it, and another layer's
// folder only through its index.ts. Run by `npm test`; exits 1 listing every offending import.
import { existsSync, readdirSync, readFileSync } from "node:fs";
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

// A layer's second entry besides index.ts, and the packages it must never load, not even through
// the files it imports: config/runtime.ts is what the long-lived `corral up` process imports from
// config, and zod and yaml (about 15 MiB resident) belong only to the short-lived loader thread.
const LIGHT_ENTRIES = {
  config: { file: "runtime.ts", forbidden: ["zod", "yaml"] },
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
    } else if (
      targetRel !== `${targetLayer}${sep}index.js` &&
      targetRel !== `${targetLayer}${sep}${LIGHT_ENTRIES[targetLayer]?.file.replace(/\.ts$/, ".js")}`
    ) {
      const entries = ["index.ts", LIGHT_ENTRIES[targetLayer]?.file].filter(Boolean).join(" or ");
      problems.push(`${where}: import ${targetLayer} through its ${entries}, not "${specifier}"`);
    }
  }
}

// Static value imports only: `import type` is erased, and a dynamic import() loads on demand.
const staticImportPattern =
  /(?:^|\n)\s*(import|export)\s+(?!type\s)[^;]*?from\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']/g;
for (const [layer, { file, forbidden }] of Object.entries(LIGHT_ENTRIES)) {
  const entry = join(root, layer, file);
  const seen = new Set();
  const visit = (path, chain) => {
    if (seen.has(path)) return;
    seen.add(path);
    let source;
    try {
      source = readFileSync(path, "utf8");
    } catch {
      return;
    }
    for (const match of source.matchAll(staticImportPattern)) {
      const specifier = match[2] ?? match[3];
      const via = [...chain, relative(root, path)];
      if (specifier.startsWith(".")) visit(resolve(dirname(path), specifier).replace(/\.js$/, ".ts"), via);
      else if (forbidden.some((name) => specifier === name || specifier.startsWith(`${name}/`))) {
        problems.push(`src/${layer}/${file} must not load "${specifier}" (via ${via.join(" → ")})`);
      }
    }
  };
  if (existsSync(entry)) visit(entry, []);
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  console.error(`${problems.length} layering problem(s)`);
  process.exit(1);
}
console.log("layers ok");
