// Shared by the config tests: load inline config text as if it were a file, and assert the outcome.
import assert from "node:assert/strict";
import type {
  ConfigIssue,
  ConfigLoadResult,
  CorralConfig,
  LoadConfigOptions,
} from "../../src/config/index.js";
import { parseConfigText } from "../../src/config/index.js";

/** A folder that need not exist: only envFile tests touch the disk. */
export const CONFIG_DIR = "/srv/corral";
export const CONFIG_FILE = `${CONFIG_DIR}/corral.yaml`;

export interface TextOptions {
  readonly file?: string;
  readonly env?: LoadConfigOptions["env"];
  readonly overrides?: LoadConfigOptions["overrides"];
}

export function loadText(text: string, options: TextOptions = {}): ConfigLoadResult {
  const load: LoadConfigOptions = {
    env: options.env ?? {},
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
  };
  return parseConfigText(text, options.file ?? CONFIG_FILE, load);
}

export function expectIssues(text: string, options: TextOptions = {}): readonly ConfigIssue[] {
  const result = loadText(text, options);
  assert.equal(result.ok, false, "expected the config to be rejected");
  return result.ok ? [] : result.issues;
}

export function expectConfig(text: string, options: TextOptions = {}): CorralConfig {
  const result = loadText(text, options);
  assert.ok(
    result.ok,
    `expected a valid config, got:\n${result.ok ? "" : JSON.stringify(result.issues, null, 2)}`,
  );
  return result.config;
}

/** Lines joined with "\n", so inline configs can be written one line per array element. */
export function lines(...rows: string[]): string {
  return `${rows.join("\n")}\n`;
}
