// The catalog's naming rules, kept pure: prefixes, the 64-character limit, collisions, URI routing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Catalog,
  fitName,
  MAX_NAME_LENGTH,
  matchesUriTemplate,
  qualifyName,
} from "../../src/gateway/index.js";
import { fixtureServer } from "../helpers/server-config.js";

const lists = (
  tools: string[],
  extra: Partial<Record<"resources" | "resourceTemplates", Record<string, unknown>[]>> = {},
) => ({
  tools: tools.map((name) => ({ name })),
  prompts: [],
  resources: (extra.resources ?? []) as { name: string }[],
  resourceTemplates: (extra.resourceTemplates ?? []) as { name: string }[],
});

describe("catalog", () => {
  test("names over 64 characters are cut deterministically with a short hash", () => {
    const long = `${"a".repeat(40)}__${"b".repeat(40)}`;
    const fitted = fitName(long);
    assert.equal(fitted.length, MAX_NAME_LENGTH);
    assert.equal(fitName(long), fitted, "stable");
    assert.match(fitted, /^a{40}__b{13}-[0-9a-f]{8}$/);
    assert.notEqual(fitName(`${long}c`), fitted, "a different name gets a different hash");
    assert.equal(qualifyName("fs", "__", "read"), "fs__read");
    assert.equal(qualifyName(false, "__", "read"), "read");
    assert.equal(fitName("short"), "short");
  });

  test("config order wins a collision; the other is renamed with its server and reported", () => {
    const first = fixtureServer("first", "healthy", [], { prefix: false });
    const second = fixtureServer("second", "healthy", [], { prefix: false });
    const catalog = new Catalog([first, second], "__");
    catalog.setServer("second", lists(["echo", "only-second"]));
    catalog.setServer("first", lists(["echo"]));
    assert.deepEqual(
      catalog.list("tools").map((tool) => tool.name),
      ["echo", "second__echo", "only-second"],
    );
    assert.equal(catalog.resolve("tools", "echo")?.server, "first");
    assert.deepEqual(catalog.resolve("tools", "second__echo"), {
      server: "second",
      original: "echo",
      item: { name: "second__echo" },
    });
    assert.deepEqual(catalog.collisions, [
      { kind: "tools", name: "echo", kept: "first", renamed: { server: "second", as: "second__echo" } },
    ]);
  });

  test("allow and deny hide tools; scope restricts to servers", () => {
    const a = fixtureServer("a", "healthy", [], { tools: { allow: ["x", "y"], deny: ["y"] } });
    const b = fixtureServer("b", "healthy");
    const catalog = new Catalog([a, b], ".");
    catalog.setServer("a", lists(["x", "y", "z"]));
    catalog.setServer("b", lists(["x"]));
    assert.deepEqual(
      catalog.list("tools").map((tool) => tool.name),
      ["a.x", "b.x"],
    );
    assert.deepEqual(
      catalog.list("tools", new Set(["b"])).map((tool) => tool.name),
      ["b.x"],
    );
    assert.equal(catalog.resolve("tools", "a.y"), undefined);
  });

  test("resource URIs route by exact listing first, then by template", () => {
    const a = fixtureServer("a", "healthy");
    const b = fixtureServer("b", "healthy");
    const catalog = new Catalog([a, b], "__");
    catalog.setServer(
      "a",
      lists([], { resourceTemplates: [{ name: "files", uriTemplate: "file:///{path}" }] }),
    );
    catalog.setServer("b", lists([], { resources: [{ name: "readme", uri: "file:///README" }] }));
    assert.equal(catalog.resolveResourceUri("file:///README"), "b");
    assert.equal(catalog.resolveResourceUri("file:///other"), "a");
    assert.equal(catalog.resolveResourceUri("https://x"), undefined);
    assert.equal(matchesUriTemplate("test://template/{id}/data", "test://template/42/data"), true);
    assert.equal(matchesUriTemplate("test://template/{id}/data", "test://template/4/2/data"), false);
    assert.equal(matchesUriTemplate("file:///{+path}", "file:///a/b/c"), true);
  });
});
