// Renders issues the way compilers do, one per line with aligned columns, so a person can jump to
// each location:  `broken.yaml:7:5  servers.fs.argz  unknown key; did you mean "args"?`
import type { ConfigIssue } from "./types.js";

function locationOf(issue: ConfigIssue): string {
  if (issue.line === undefined) return issue.file;
  return issue.column === undefined
    ? `${issue.file}:${issue.line}`
    : `${issue.file}:${issue.line}:${issue.column}`;
}

/** Issues as aligned lines plus a count line ("3 errors"); pass "warning" to count warnings. */
export function formatConfigIssues(
  issues: readonly ConfigIssue[],
  noun: "error" | "warning" = "error",
): string {
  const locations = issues.map(locationOf);
  const locationWidth = Math.max(0, ...locations.map((location) => location.length));
  const pathWidth = Math.max(0, ...issues.map((issue) => issue.path.length));
  const lines = issues.map((issue, index) => {
    const location = locations[index]!.padEnd(locationWidth);
    const path = pathWidth === 0 ? "" : `${issue.path.padEnd(pathWidth)}  `;
    return `${location} ${path}${issue.message}`;
  });
  lines.push(`${issues.length} ${noun}${issues.length === 1 ? "" : "s"}`);
  return lines.join("\n");
}
