// Durations and sizes as people write them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, parseDuration, parseSize } from "../../src/config/index.js";

describe("parseDuration", () => {
  it("reads units and sums of them", () => {
    const cases: [string, number][] = [
      ["0", 0],
      ["500ms", 500],
      ["2s", 2_000],
      ["1.5s", 1_500],
      ["10m", 600_000],
      ["1h", 3_600_000],
      ["1d", 86_400_000],
      ["1m30s", 90_000],
      ["1h2m3s4ms", 3_723_004],
    ];
    for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  });

  it("refuses bare numbers and unknown units", () => {
    for (const text of ["", "30", "5 seconds", "2 s", "1w", "-1s", "s", "1.s", "never"]) {
      assert.equal(parseDuration(text), undefined, text);
    }
  });

  it("formats milliseconds back to the shortest spelling", () => {
    assert.equal(formatDuration(90_000), "1m30s");
    assert.equal(formatDuration(1_500), "1s500ms");
    assert.equal(formatDuration(0), "0");
  });
});

describe("parseSize", () => {
  it("reads binary and decimal units and plain bytes", () => {
    const cases: [string, number][] = [
      ["1048576", 1_048_576],
      ["512Ki", 524_288],
      ["256Mi", 268_435_456],
      ["1Gi", 1_073_741_824],
      ["1.5Gi", 1_610_612_736],
      ["2Ti", 2 * 2 ** 40],
      ["100M", 100_000_000],
      ["1G", 1_000_000_000],
      ["8k", 8_000],
    ];
    for (const [text, bytes] of cases) assert.equal(parseSize(text), bytes, text);
  });

  it("refuses ambiguous and malformed sizes", () => {
    for (const text of ["256MB", "1GB", "256mi", "1.5", "-1Mi", "Mi", "1 Gi", "1K"]) {
      assert.equal(parseSize(text), undefined, text);
    }
  });
});
