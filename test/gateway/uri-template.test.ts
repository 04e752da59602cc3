// Resource URI templates are matched by a linear automaton, not a backtracking regex: each RFC 6570
// operator's expansions route, and inputs that froze the regex version answer in milliseconds.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  MAX_TEMPLATE_MATCHED_URI_LENGTH,
  MAX_URI_TEMPLATE_LENGTH,
  matchesUriTemplate,
} from "../../src/gateway/uri-template.js";

function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

describe("URI templates", () => {
  test("level 1: {var} is one or more characters without a slash; literals match exactly", () => {
    assert.equal(matchesUriTemplate("test://template/{id}/data", "test://template/42/data"), true);
    assert.equal(matchesUriTemplate("test://template/{id}/data", "test://template/4/2/data"), false);
    assert.equal(matchesUriTemplate("test://template/{id}/data", "test://template//data"), false);
    assert.equal(matchesUriTemplate("test://template/{id}/data", "test://template/42/datum"), false);
    assert.equal(matchesUriTemplate("x://{a}-{b}", "x://1-2-3"), true);
    assert.equal(matchesUriTemplate("x://{a,b}", "x://1,2"), true);
    assert.equal(matchesUriTemplate("x://a.b", "x://aXb"), false, "a dot in a template is no wildcard");
    assert.equal(matchesUriTemplate("", "x://"), false);
  });

  test("level 2 and 3 operators route the URIs their expansions make", () => {
    assert.equal(matchesUriTemplate("file:///{+path}", "file:///a/b/c"), true);
    assert.equal(matchesUriTemplate("x://doc{#section}", "x://doc#part/2"), true);
    assert.equal(matchesUriTemplate("x://doc{#section}", "x://doc"), true);
    assert.equal(matchesUriTemplate("x://doc{#section}", "x://docs"), false);
    assert.equal(matchesUriTemplate("x://host{.ext}", "x://host.tar.gz"), true);
    assert.equal(matchesUriTemplate("x://repo{/owner,name}", "x://repo/corral/main"), true);
    assert.equal(matchesUriTemplate("x://repo{/owner}/issues", "x://repo/a/b/issues"), true);
    assert.equal(matchesUriTemplate("x://map{;x,y}", "x://map;x=1;y=2"), true);
    assert.equal(matchesUriTemplate("x://search{?q,page}", "x://search?q=a&page=2"), true);
    assert.equal(matchesUriTemplate("x://search{?q}{&page}", "x://search?q=a&page=2"), true);
    assert.equal(matchesUriTemplate("x://search{?q}", "x://search/other"), false);
    assert.equal(matchesUriTemplate("x://{name:3}", "x://abc"), true, "level-4 prefix read as level 3");
  });

  test("unclosed and empty braces are literal text", () => {
    assert.equal(matchesUriTemplate("x://{a", "x://{a"), true);
    assert.equal(matchesUriTemplate("x://{}", "x://{}"), true);
    assert.equal(matchesUriTemplate("x://{}", "x://ab"), false);
  });

  test("the inputs that froze the regex matcher answer in well under 50 ms", () => {
    const cases = [
      ["x://{a}{b}{c}{d}{e}!", `x://${"a".repeat(300)}`],
      ["x://{+a}{+b}{+c}{+d}{+e}{+f}!", `x://${"a/".repeat(150)}`],
      [`x://${"{a}".repeat(300)}!`, `x://${"a".repeat(300)}`],
    ] as const;
    for (const [template, uri] of cases) {
      const { value, ms } = timed(() => matchesUriTemplate(template, uri));
      assert.equal(value, false);
      assert.ok(
        ms < 50,
        `${template.slice(0, 30)}… against ${uri.length} characters took ${ms.toFixed(1)} ms`,
      );
    }
    const { value, ms } = timed(() => matchesUriTemplate("x://{a}{b}{c}{d}{e}!", `x://${"a".repeat(300)}!`));
    assert.equal(value, true);
    assert.ok(ms < 50, `a matching URI took ${ms.toFixed(1)} ms`);
  });

  test("the worst case within the limits stays bounded", () => {
    // Every state of a maximal template alive at every character of a maximal URI.
    const template = `x://{+a}${"a".repeat(MAX_URI_TEMPLATE_LENGTH - 9)}!`;
    assert.equal(template.length, MAX_URI_TEMPLATE_LENGTH);
    const uri = `x://${"a".repeat(MAX_TEMPLATE_MATCHED_URI_LENGTH - 4)}`;
    const { value, ms } = timed(() => matchesUriTemplate(template, uri));
    assert.equal(value, false);
    assert.ok(ms < 250, `worst case took ${ms.toFixed(1)} ms`);
  });

  test("templates and URIs past the limits never match a template", () => {
    const long = `x://{a}${"b".repeat(MAX_URI_TEMPLATE_LENGTH)}`;
    assert.equal(matchesUriTemplate(long, `x://a${"b".repeat(MAX_URI_TEMPLATE_LENGTH)}`), false);
    const uri = `x://${"a".repeat(MAX_TEMPLATE_MATCHED_URI_LENGTH)}`;
    assert.equal(matchesUriTemplate("x://{+a}", uri), false);
    assert.equal(matchesUriTemplate("x://{+a}", uri.slice(0, MAX_TEMPLATE_MATCHED_URI_LENGTH)), true);
  });
});
