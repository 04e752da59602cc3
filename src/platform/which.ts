// Resolves a command the way execvp will, so a missing binary is a clear error before anything is
// spawned (under a containment wrapper, a missing command would otherwise look like "exit 127").

import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The absolute path `command` runs as, or undefined when it cannot be found or is not executable. */
export function resolveExecutable(command: string, pathVariable: string, cwd: string): string | undefined {
  if (command.includes("/")) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    return isExecutableFile(path) ? path : undefined;
  }
  for (const folder of pathVariable.split(delimiter)) {
    if (folder === "") continue;
    const candidate = join(isAbsolute(folder) ? folder : resolve(cwd, folder), command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
