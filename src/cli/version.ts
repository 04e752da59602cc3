// The package version, read once from package.json (two folders above dist/src/cli).
import { readFileSync } from "node:fs";

export const CORRAL_VERSION: string = (() => {
  try {
    const text = readFileSync(new URL("../../../package.json", import.meta.url), "utf8");
    return (JSON.parse(text) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
})();
