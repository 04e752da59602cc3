// The tool-argument checker of REST /execute for other layers (`corral call` checks before it calls
// over MCP), loaded on demand: ajv and its dialects cost several MiB that `corral up` should not pay
// until a call needs them.
import type { ArgumentCheck } from "./argument-validator.js";

export type { ArgumentCheck, ArgumentProblem } from "./argument-validator.js";

export async function loadArgumentValidator(): Promise<(schema: unknown, args: unknown) => ArgumentCheck> {
  return (await import("./argument-validator.js")).createArgumentValidator();
}
