// `corral <command> --help`, `-h` and `corral help <command>`: each command's own usage (synopsis,
// flags with defaults, an example) on stdout with exit 0; unknown flags stay usage errors (exit 2)
// that name the flag and point at --help.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { type CliIo, runCommand } from "../../src/cli/index.js";
import { CORRAL_BIN, REPO_ROOT } from "../helpers/corral-process.js";

const COMMANDS = [
  "up",
  "validate",
  "ps",
  "status",
  "tools",
  "call",
  "logs",
  "start",
  "stop",
  "restart",
  "import",
  "clients",
  "connect",
] as const;

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    env: { CORRAL_URL: "http://127.0.0.1:1" },
    cwd: REPO_ROOT,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  };
  const code = await runCommand(argv, io);
  return { code, stdout, stderr };
}

describe("per-command help", () => {
  for (const command of COMMANDS) {
    test(`${command} --help, -h and help ${command} print its usage, flags with defaults and an example`, async () => {
      const outputs = [];
      for (const argv of [
        [command, "--help"],
        [command, "-h"],
        ["help", command],
      ]) {
        const result = await run(argv);
        assert.equal(result.code, 0, `${argv.join(" ")}: ${result.stderr}`);
        assert.equal(result.stderr, "", argv.join(" "));
        outputs.push(result.stdout);
      }
      const [help] = outputs;
      assert.deepEqual(outputs, [help, help, help], "the three spellings print the same");
      assert.match(help ?? "", new RegExp(`^Usage: corral ${command}\\b`));
      assert.match(help ?? "", /\nFlags:\n/);
      assert.match(help ?? "", /\(default: /);
      assert.match(help ?? "", new RegExp(`\nExample:\n  corral ${command}\\b`));
    });
  }

  test("help after other arguments still wins; a literal after -- does not ask for help", async () => {
    const late = await run(["call", "memory.search_nodes", "--arg", "query=x", "--help"]);
    assert.equal(late.code, 0);
    assert.match(late.stdout, /^Usage: corral call /);
    const literal = await run(["validate", "--", "--help"]);
    assert.equal(literal.code, 1, "validates a file named --help instead");
    assert.doesNotMatch(literal.stdout, /Usage:/);
  });

  test("unknown flags are usage errors naming the flag and pointing at --help; so is help for a non-command", async () => {
    for (const command of COMMANDS) {
      // `clients` reads its subcommand before its flags.
      const result = await run(
        command === "clients" ? [command, "rewrite", "--bogus"] : [command, "--bogus"],
      );
      assert.equal(result.code, 2, command);
      assert.equal(result.stdout, "");
      assert.match(
        result.stderr,
        new RegExp(`^corral ${command}: unknown flag --bogus; see corral ${command} --help\\n$`),
      );
    }
    const stopWait = await run(["stop", "x", "--wait"]);
    assert.equal(stopWait.code, 2);
    assert.match(stopWait.stderr, /unknown flag --wait; see corral stop --help/);
    const nope = await run(["help", "nope"]);
    assert.equal(nope.code, 2);
    assert.match(nope.stderr, /^corral help: unknown command "nope"/);
  });

  test("the real binary: corral up --help exits 0 with usage on stdout", () => {
    const result = spawnSync(process.execPath, [CORRAL_BIN, "up", "--help"], {
      encoding: "utf8",
      cwd: REPO_ROOT,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: corral up \[flags\]\n/);
    assert.match(
      result.stdout,
      /-p, --port P +port; 0 picks a free one \(default: the config's gateway\.port, 11000\)/,
    );
    assert.equal(result.stderr, "");
  });
});
