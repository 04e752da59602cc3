// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, total (inclusive) time of
// Corral's own functions, and time per area (Corral, Node internals, dependencies, GC, idle).

import { basename } from "node:path";

function locationOf(callFrame) {
  const { url, lineNumber } = callFrame;
  if (url === "") return "";
  const path = url.replace(/^file:\/\//, "");
  const inDist = path.indexOf("/dist/src/");
  const inModules = path.lastIndexOf("/node_modules/");
  const short =
    inDist !== -1
      ? `src/${path.slice(inDist + "/dist/src/".length)}`
      : inModules !== -1
        ? path.slice(inModules + "/node_modules/".length)
        : path.startsWith("node:")
          ? path
          : basename(path);
  return `${short}:${lineNumber + 1}`;
}

function areaOf(callFrame) {
  const { functionName, url } = callFrame;
  if (functionName === "(idle)") return "idle";
  if (functionName === "(garbage collector)") return "garbage collector";
  if (functionName === "(program)" || functionName === "(root)") return "V8/native (program)";
  if (url.includes("/dist/src/")) return "corral (dist/src)";
  if (url.includes("/node_modules/")) return "dependencies (node_modules)";
  if (url.startsWith("node:")) return "node internals (node:*)";
  if (url === "") return "native/builtins";
  return "other";
}

export function summariseProfile(profile, { top = 25 } = {}) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  for (let index = 0; index < profile.samples.length; index++) {
    const id = profile.samples[index];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

  const byFunction = new Map();
  const areas = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id).callFrame;
    totalUs += us;
    if (frame.functionName === "(idle)") idleUs += us;
    const key = `${frame.functionName || "(anonymous)"}\t${locationOf(frame)}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;

  // Inclusive time of Corral's functions: each sample counts once for every distinct Corral function
  // on its stack.
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const seen = new Set();
    for (let cursor = id; cursor !== undefined; cursor = parents.get(cursor)) {
      const frame = nodes.get(cursor).callFrame;
      if (!frame.url.includes("/dist/src/")) continue;
      const key = `${frame.functionName || "(anonymous)"}\t${locationOf(frame)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }

  const rank = (map, limit) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([key, us]) => {
        const [name, location] = key.split("\t");
        return { name, location, ms: us / 1000, percentOfBusy: (100 * us) / busyUs };
      });
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    selfTop: rank(new Map([...byFunction].filter(([key]) => !key.startsWith("(idle)"))), top),
    corralInclusiveTop: rank(inclusive, top),
    areas: rank(new Map([...areas].filter(([area]) => area !== "idle")), 20).map(
      ({ name, ms, percentOfBusy }) => ({ area: name, ms, percentOfBusy }),
    ),
  };
}
