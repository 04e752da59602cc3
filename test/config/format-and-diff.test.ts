// How issues are printed, and how two configs are compared.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config text spells ${VAR} literally
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffConfigs, formatConfigIssues } from "../../src/config/index.js";
import { expectConfig, lines } from "./load-text.js";

describe("formatConfigIssues", () => {
  it("aligns location, path and message and counts the issues", () => {
    const text = formatConfigIssues([
      {
        file: "broken.yaml",
        path: "servers.fs.argz",
        line: 7,
        column: 5,
        message: 'unknown key; did you mean "args"?',
      },
      {
        file: "broken.yaml",
        path: "servers.db.env.PGPASS",
        line: 12,
        column: 14,
        message: "${PGPASS} is not set; export it or write ${PGPASS:-default}",
      },
      { file: "broken.yaml", path: "", message: "the file is empty; list servers under servers:" },
    ]);
    assert.equal(
      text,
      [
        'broken.yaml:7:5   servers.fs.argz        unknown key; did you mean "args"?',
        "broken.yaml:12:14 servers.db.env.PGPASS  ${PGPASS} is not set; export it or write ${PGPASS:-default}",
        "broken.yaml                              the file is empty; list servers under servers:",
        "3 errors",
      ].join("\n"),
    );
  });

  it("counts in the singular and can count warnings", () => {
    const issue = { file: "a.yaml", path: "servers", line: 1, column: 1, message: "no servers defined" };
    assert.equal(formatConfigIssues([issue]), "a.yaml:1:1 servers  no servers defined\n1 error");
    assert.equal(formatConfigIssues([issue, issue], "warning").split("\n").at(-1), "2 warnings");
  });
});

describe("diffConfigs", () => {
  it("names added, removed and changed servers and a changed gateway", () => {
    const before = expectConfig(
      lines("servers:", "  keep: { command: a }", "  change: { command: b }", "  drop: { command: c }"),
    );
    const after = expectConfig(
      lines(
        "gateway: { port: 0 }",
        "servers:",
        "  new: { command: d }",
        "  keep: { command: a }",
        "  change: { command: b, args: [x] }",
      ),
    );
    assert.deepEqual(diffConfigs(before, after), {
      added: ["new"],
      removed: ["drop"],
      changed: ["change"],
      gatewayChanged: true,
    });
    assert.deepEqual(diffConfigs(before, before), {
      added: [],
      removed: [],
      changed: [],
      gatewayChanged: false,
    });
  });
});
