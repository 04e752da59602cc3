// `corral import` and `corral clients rewrite` with the real binary on sample configs of Claude
// Desktop, Cursor, VS Code and Windsurf (test/fixtures/samples), each copied to the path its client
// uses: merging and conflicts, the imported file validating, dry runs that change nothing, backups
// (of the client's file on rewrite, of an existing corral.yaml on import), and rewritten entries that
// reach the gateway (over HTTP, or through `corral connect` for Claude Desktop).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse as parseJsonc } from "jsonc-parser";
import { parse } from "yaml";
import { fixtureServer, writeConfig } from "../api/api-config.js";
import { fixturePath } from "../fixtures/fixture-path.js";
import { runConnect } from "../helpers/connect-process.js";
import { CORRAL_BIN, type CorralRun, REPO_ROOT, runCorral } from "../helpers/corral-process.js";
import { McpHttpClient } from "../helpers/mcp-http.js";

const SAMPLES = fileURLToPath(new URL("../../../test/fixtures/samples/", import.meta.url));

const CLIENTS = {
  claude: { sample: "claude_desktop_config.json", at: "Claude/claude_desktop_config.json" },
  cursor: { sample: "cursor-mcp.json", at: "project/.cursor/mcp.json" },
  vscode: { sample: "vscode-mcp.jsonc", at: "project/.vscode/mcp.json" },
  windsurf: { sample: "windsurf-mcp_config.json", at: ".codeium/windsurf/mcp_config.json" },
} as const;
type Client = keyof typeof CLIENTS;

/**
 * Runs the real binary without blocking the event loop: a spawnSync here would keep the test's
 * fetch pool from noticing the gateway closing idle keep-alive sockets, and the next fetch would
 * reuse a dead one ("fetch failed").
 */
function corral(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CORRAL_BIN, ...args], {
      cwd,
      env: { ...process.env, CORRAL_URL: undefined, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh folder with the client's sample at the path the client reads. */
function placeSample(client: Client): { home: string; file: string } {
  const home = mkdtempSync(join(tmpdir(), `corral-${client}-`));
  const file = join(home, CLIENTS[client].at);
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(join(SAMPLES, CLIENTS[client].sample), file);
  return { home, file };
}

const readYaml = (path: string) =>
  parse(readFileSync(path, "utf8")) as { servers: Record<string, Record<string, unknown>> };

describe("corral import", () => {
  test("Claude Desktop: stdio servers; a dry run writes nothing; a second import changes nothing", async () => {
    const { home, file } = placeSample("claude");
    const dry = await corral(["import", file, "--dry-run"], home);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^added +filesystem$/m);
    assert.match(dry.stdout, /dry run: .*corral\.yaml not changed; it would become:\n/);
    assert.match(dry.stdout, /^\+ {3}memory:$/m);
    assert.equal(existsSync(join(home, "corral.yaml")), false);

    const done = await corral(["import", file], home);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^added +memory$/m);
    const { servers } = readYaml(join(home, "corral.yaml"));
    assert.deepEqual(servers.memory, {
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-memory"],
      env: { MEMORY_FILE_PATH: "/Users/username/memory.jsonl" },
    });
    assert.deepEqual(servers.filesystem?.args, [
      "-y",
      "@modelcontextprotocol/server-filesystem",
      "/Users/username/Desktop",
      "/Users/username/Downloads",
    ]);
    const before = readFileSync(join(home, "corral.yaml"), "utf8");
    const again = await corral(["import", file, "--json"], home);
    assert.equal(again.code, 0);
    const report = JSON.parse(again.stdout) as {
      written: boolean;
      servers: { name: string; outcome: string }[];
    };
    assert.equal(report.written, false);
    assert.deepEqual(
      report.servers.map((server) => server.outcome),
      ["unchanged", "unchanged"],
    );
    assert.equal(readFileSync(join(home, "corral.yaml"), "utf8"), before);
    assert.equal((await corral(["validate", join(home, "corral.yaml")], home)).code, 0);
  });

  test("Cursor: env:VAR references become plain ones, url servers are kept; merged into an existing file, conflicts reported", async () => {
    const { home, file } = placeSample("cursor");
    const target = join(home, "corral.yaml");
    const existing = [
      "# my servers",
      "gateway:",
      "  port: 11000",
      "servers:",
      "  memory: # already here, defined differently",
      "    command: mcp-server-memory",
      "",
    ].join("\n");
    writeFileSync(target, existing);
    const result = await corral(["import", file], home);
    assert.equal(result.code, 1, "a conflict is exit 1");
    assert.match(result.stdout, /^conflict +memory: .* already defines it differently; not imported$/m);
    assert.match(result.stdout, /^added +github$/m);
    assert.match(result.stdout, /^added +docs$/m);
    const text = readFileSync(target, "utf8");
    assert.ok(text.startsWith("# my servers\n"), "comments are kept");
    assert.match(text, /# already here, defined differently\n {4}command: mcp-server-memory/);
    const { servers } = readYaml(target);
    assert.deepEqual(servers.github?.env, { GITHUB_PERSONAL_ACCESS_TOKEN: `\${GITHUB_TOKEN}` });
    assert.deepEqual(servers.docs, {
      url: "https://mcp.example.com/mcp",
      headers: { Authorization: `Bearer \${DOCS_TOKEN}` },
    });
    const valid = await corral(["validate", target], home, { GITHUB_TOKEN: "t", DOCS_TOKEN: "d" });
    assert.equal(valid.code, 0, valid.stderr);
  });

  test("VS Code: JSONC with inputs, type and comments; input:id references become variables with a note", async () => {
    const { home, file } = placeSample("vscode");
    const result = await corral(["import", file, "--config", "servers.yaml"], home);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /note: Perplexity\.env\.PERPLEXITY_API_KEY: VS Code input "perplexity-key" became \$\{PERPLEXITY_KEY\}/,
    );
    const { servers } = readYaml(join(home, "servers.yaml"));
    assert.deepEqual(Object.keys(servers), ["Perplexity", "memory", "github"]);
    assert.deepEqual(servers.Perplexity?.env, { PERPLEXITY_API_KEY: `\${PERPLEXITY_KEY}` });
    assert.equal(servers.Perplexity?.type, undefined);
    assert.deepEqual(servers.github, { transport: "http", url: "https://api.githubcopilot.com/mcp/" });
    const valid = await corral(["validate", join(home, "servers.yaml")], home, { PERPLEXITY_KEY: "k" });
    assert.equal(valid.code, 0, valid.stderr);
  });

  test("Windsurf: serverUrl becomes url (sse by its path); client-only keys are dropped with a note", async () => {
    const { home, file } = placeSample("windsurf");
    const result = await corral(["import", file], home);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /note: sequential-thinking: not imported \(client-only settings\): alwaysAllow/,
    );
    const { servers } = readYaml(join(home, "corral.yaml"));
    assert.deepEqual(servers.figma, { transport: "sse", url: "https://figma.example.com/sse" });
    assert.equal(servers.memory?.disabled, false);
    assert.equal((await corral(["validate", join(home, "corral.yaml")], home)).code, 0);
  });

  for (const client of Object.keys(CLIENTS) as Client[]) {
    test(`${client}: into an existing corral.yaml, --dry-run changes nothing; the import keeps a backup first`, async () => {
      const { home, file } = placeSample(client);
      const target = join(home, "corral.yaml");
      const existing = "# mine\nservers:\n  kept:\n    command: kept-mcp\n";
      writeFileSync(target, existing);
      const backups = () => readdirSync(home).filter((name) => name.startsWith("corral.yaml.corral-backup-"));

      const dry = await corral(["import", file, "--dry-run", "--json"], home);
      assert.equal(dry.code, 0, dry.stderr);
      const planned = JSON.parse(dry.stdout) as { client: string; written: boolean; backup: null };
      assert.deepEqual([planned.client, planned.written, planned.backup], [client, false, null]);
      assert.equal(readFileSync(target, "utf8"), existing, "unchanged on --dry-run");
      assert.deepEqual(backups(), []);

      const done = await corral(["import", file, "--json"], home);
      assert.equal(done.code, 0, done.stderr);
      const report = JSON.parse(done.stdout) as {
        written: boolean;
        backup: string;
        servers: { name: string; outcome: string }[];
      };
      assert.equal(report.written, true);
      assert.deepEqual(backups(), [report.backup.slice(home.length + 1)]);
      assert.equal(readFileSync(report.backup, "utf8"), existing, "the backup holds the original");
      const { servers } = readYaml(target);
      assert.deepEqual(servers.kept, { command: "kept-mcp" });
      assert.ok(readFileSync(target, "utf8").startsWith("# mine\n"));
      const added = report.servers
        .filter((server) => server.outcome === "added")
        .map((server) => server.name);
      assert.ok(added.includes("memory"), JSON.stringify(report.servers));
      assert.deepEqual(Object.keys(servers), ["kept", ...added]);
    });
  }

  test("secrets go to corral.env (0600) and corral.yaml refers to them; no value is printed; up runs the result", async () => {
    const home = mkdtempSync(join(tmpdir(), "corral-import-secrets-"));
    const file = join(home, "Claude", "claude_desktop_config.json");
    mkdirSync(dirname(file), { recursive: true });
    const secrets = ["ghp_Secret111", "Bearer sk-Secret222", "pw-Secret333", "q-Secret444"];
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: {
          github: {
            command: process.execPath,
            args: [fixturePath("healthy")],
            env: { GITHUB_PERSONAL_ACCESS_TOKEN: secrets[0], LOG_LEVEL: "debug" },
          },
          docs: {
            url: "https://mcp.example.com/mcp",
            headers: { Authorization: secrets[1], "Accept-Language": "en" },
            disabled: true,
          },
          // Tokens in a URL's userinfo or query: the whole URL moves.
          search: {
            url: `https://bot:${secrets[2]}@search.example.com/mcp?key=${secrets[3]}`,
            disabled: true,
          },
          plain: { url: "https://plain.example.com/mcp", disabled: true },
        },
      }),
    );
    const target = join(home, "corral.yaml");
    const envFile = join(home, "corral.env");
    const noSecret = (text: string) => {
      for (const secret of secrets)
        assert.ok(!text.includes(secret.split(" ").at(-1)!), "a secret value leaked");
    };

    const dry = await corral(["import", file, "--dry-run"], home);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /^secrets GITHUB_PERSONAL_ACCESS_TOKEN, DOCS_AUTHORIZATION, SEARCH_URL would go to .*corral\.env \(mode 0600; values not shown\)$/m,
    );
    noSecret(dry.stdout + dry.stderr);
    assert.equal(existsSync(envFile) || existsSync(target), false, "a dry run writes nothing");

    const done = await corral(["import", file], home);
    assert.equal(done.code, 0, done.stderr);
    noSecret(done.stdout + done.stderr);
    assert.match(
      done.stdout,
      /note: github\.env\.GITHUB_PERSONAL_ACCESS_TOKEN is a secret: kept in corral\.env as \$\{GITHUB_PERSONAL_ACCESS_TOKEN\}/,
    );
    const yaml = readFileSync(target, "utf8");
    noSecret(yaml);
    const config = parse(yaml) as {
      envFile: string;
      servers: Record<string, { env?: object; headers?: object; url?: string }>;
    };
    assert.equal(config.envFile, "corral.env");
    assert.deepEqual(config.servers.github?.env, {
      GITHUB_PERSONAL_ACCESS_TOKEN: `\${GITHUB_PERSONAL_ACCESS_TOKEN}`,
      LOG_LEVEL: "debug",
    });
    assert.deepEqual(config.servers.docs?.headers, {
      Authorization: `\${DOCS_AUTHORIZATION}`,
      "Accept-Language": "en",
    });
    assert.equal(config.servers.search?.url, `\${SEARCH_URL}`);
    assert.equal(
      config.servers.plain?.url,
      "https://plain.example.com/mcp",
      "a URL without credentials stays",
    );
    assert.equal(statSync(envFile).mode & 0o777, 0o600);
    const stored = readFileSync(envFile, "utf8");
    assert.match(stored, /^GITHUB_PERSONAL_ACCESS_TOKEN="ghp_Secret111"$/m);
    assert.match(stored, /^DOCS_AUTHORIZATION="Bearer sk-Secret222"$/m);
    assert.match(
      stored,
      /^SEARCH_URL="https:\/\/bot:pw-Secret333@search\.example\.com\/mcp\?key=q-Secret444"$/m,
    );

    const again = await corral(["import", file, "--json"], home);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((JSON.parse(again.stdout) as { secrets: string[] }).secrets, [], "nothing new to store");
    assert.equal(readFileSync(envFile, "utf8"), stored);
    assert.equal(readFileSync(target, "utf8"), yaml);

    const valid = await corral(["validate", target], home, { GITHUB_PERSONAL_ACCESS_TOKEN: undefined });
    assert.equal(valid.code, 0, valid.stderr);
    await using gateway = await runCorral(["up", "--config", target, "--port", "0"], {
      env: { GITHUB_PERSONAL_ACCESS_TOKEN: undefined, DOCS_AUTHORIZATION: undefined, SEARCH_URL: undefined },
    });
    noSecret(gateway.stdout + gateway.stderr);
    const mcp = await McpHttpClient.connect(`${gateway.url}/mcp`);
    const answer = await mcp.request("tools/call", { name: "github__echo", arguments: { text: "up" } });
    assert.deepEqual(answer.result, { content: [{ type: "text", text: "up" }] }, JSON.stringify(answer));
    // The server's process, below corral, got the secret from corral.env.
    gateway.sample();
    const environments = [...gateway.seen.keys()].map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      } catch {
        return [];
      }
    });
    const wanted = `GITHUB_PERSONAL_ACCESS_TOKEN=${secrets[0]}`;
    assert.ok(
      environments.some((entries) => entries.includes(wanted)),
      "the server got its secret",
    );
    await mcp.delete();
  });

  test("usage errors exit 2; a missing file exits 1", async () => {
    const home = mkdtempSync(join(tmpdir(), "corral-import-"));
    assert.equal((await corral(["import"], home)).code, 2);
    assert.equal((await corral(["import", "a.json", "--client", "emacs"], home)).code, 2);
    assert.equal((await corral(["import", "a.json", "--config", "corral.json"], home)).code, 2);
    const missing = await corral(["import", "nope.json"], home);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*nope\.json: ENOENT/);
  });
});

/** A folder holding an executable `corral` that runs this checkout's bin, for PATH. */
function corralOnPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "corral-path-"));
  const shim = join(dir, "corral");
  writeFileSync(
    shim,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CORRAL_BIN)} "$@"\n`,
  );
  chmodSync(shim, 0o755);
  return dir;
}

describe("corral clients rewrite", () => {
  let gateway: CorralRun;
  let gatewayConfig: string;
  const withCorral = corralOnPath();

  before(async () => {
    // Servers named like the samples' (the tests care about names and reachability, not tools).
    const { path } = writeConfig(() => ({
      filesystem: fixtureServer("healthy"),
      memory: fixtureServer("healthy"),
      github: fixtureServer("healthy"),
      "sequential-thinking": fixtureServer("healthy"),
    }));
    gatewayConfig = path;
    gateway = await runCorral(["up", "--config", path]);
  });
  after(async () => {
    await gateway?.[Symbol.asyncDispose]();
  });

  const backups = (file: string) =>
    readdirSync(dirname(file)).filter((name) => name.includes(".corral-backup-"));

  for (const client of Object.keys(CLIENTS) as Client[]) {
    test(`${client}: --dry-run prints the diff and changes nothing; then a backup and the rewrite`, async () => {
      const { home, file } = placeSample(client);
      const original = readFileSync(file, "utf8");
      // The samples' servers are npx packages, the gateway's are fixtures of the same names: --force.
      const rewrite = [
        "clients",
        "rewrite",
        file,
        "--url",
        gateway.url,
        "--config",
        gatewayConfig,
        "--force",
      ];
      const onPath = { PATH: `${withCorral}:${process.env.PATH}` };
      const dry = await corral([...rewrite, "--dry-run"], home, onPath);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(
        dry.stdout,
        /^rewritten +memory: --force: differs from the gateway.s "memory" in .* \(command, args/m,
      );
      assert.match(dry.stdout, /dry run: .* not changed; it would become:\n/);
      assert.match(dry.stdout, /^[-+] /m);
      assert.equal(readFileSync(file, "utf8"), original, "unchanged on --dry-run");
      assert.deepEqual(backups(file), []);

      const done = await corral([...rewrite, "--json"], home, onPath);
      assert.equal(done.code, 0, done.stderr);
      const report = JSON.parse(done.stdout) as {
        client: string;
        backup: string;
        servers: { name: string; outcome: string }[];
      };
      assert.equal(report.client, client);
      assert.equal(readFileSync(report.backup, "utf8"), original, "the backup holds the original");
      const rewritten = parseJsonc(readFileSync(file, "utf8")) as Record<
        string,
        Record<string, Record<string, unknown>>
      >;
      const servers = (client === "vscode" ? rewritten.servers : rewritten.mcpServers) ?? {};
      const memoryUrl = `${gateway.url}/servers/memory/mcp`;
      const expected = {
        claude: { command: "corral", args: ["connect", "memory", "--url", gateway.url] },
        cursor: { url: memoryUrl },
        vscode: { type: "http", url: memoryUrl },
        windsurf: { serverUrl: memoryUrl, disabled: false },
      }[client];
      assert.deepEqual(servers.memory, expected);
      if (client !== "claude") {
        const mcp = await McpHttpClient.connect(String(servers.memory?.url ?? servers.memory?.serverUrl));
        assert.equal((mcp.initializeResult?.serverInfo as { name?: string } | undefined)?.name, "healthy");
        await mcp.delete();
      } else {
        // Claude Desktop would run `corral connect memory --url …`: that reaches the gateway's memory.
        const args = ((servers.memory?.args ?? []) as string[]).slice(1);
        await using bridge = runConnect(args);
        const answer = await bridge.request(1, "initialize", {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "claude-desktop-test", version: "0" },
        });
        const result = answer.result as { serverInfo?: { name?: string } } | undefined;
        assert.equal(result?.serverInfo?.name, "healthy", JSON.stringify(answer));
        bridge.end();
      }
      // Names the gateway does not have stay as they were.
      const skipped = report.servers
        .filter((server) => server.outcome === "skipped")
        .map((server) => server.name);
      const expectedSkipped = { claude: [], cursor: ["docs"], vscode: ["Perplexity"], windsurf: ["figma"] }[
        client
      ];
      assert.deepEqual(skipped, expectedSkipped);
      const before = JSON.parse(
        original.replace(/^\s*\/\/.*$/gm, "").replace(/\/\*.*?\*\//g, ""),
      ) as typeof rewritten;
      for (const name of skipped) {
        const key = client === "vscode" ? "servers" : "mcpServers";
        assert.deepEqual(servers[name], before[key]?.[name]);
      }
      if (client === "vscode") {
        assert.deepEqual(rewritten.inputs, before.inputs, "other keys are kept");
        assert.match(
          readFileSync(file, "utf8"),
          /\/\* A remote server over Streamable HTTP\. \*\//,
          "comments are kept",
        );
      }

      const again = await corral(rewrite, home, onPath);
      assert.equal(again.code, 0);
      assert.match(again.stdout, /nothing to rewrite/);
      assert.equal(backups(file).length, 1, "no second backup");
    });
  }

  /** A client file at `at` (under a fresh folder) with `text`. */
  const placeText = (at: string, text: string) => {
    const home = mkdtempSync(join(tmpdir(), "corral-rewrite-"));
    const file = join(home, at);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return { home, file };
  };
  const node = JSON.stringify(process.execPath);
  const healthy = JSON.stringify(fixturePath("healthy"));

  test("a client's server that differs from the gateway's of the same name is warned about and kept; --force rewrites it", async () => {
    const { home, file } = placeText(
      "Claude/claude_desktop_config.json",
      `{
  "mcpServers": {
    "filesystem": { "command": ${node}, "args": [${healthy}] },
    "memory": {
      "command": ${node},
      "args": [${JSON.stringify(fixturePath("counts-starts"))}],
      "env": { "API_TOKEN": "s3cr3t-value" }
    }
  }
}
`,
    );
    const original = readFileSync(file, "utf8");
    // A file holding a token is private: the rewrite and its backup stay so (issue 12, item 9).
    chmodSync(file, 0o600);
    const rewrite = ["clients", "rewrite", file, "--url", gateway.url, "--config", gatewayConfig, "--json"];
    const onPath = { PATH: `${withCorral}:${process.env.PATH}` };
    const kept = await corral(rewrite, home, onPath);
    assert.equal(kept.code, 1, "a server left alone for differing is exit 1, as an import conflict is");
    assert.equal(statSync(file).mode & 0o777, 0o600, "the rewritten file keeps its mode");
    const [copy] = backups(file);
    assert.equal(statSync(join(dirname(file), copy ?? "")).mode & 0o777, 0o600, "so does its backup");
    assert.match(
      kept.stderr,
      /^warning: memory: differs from the gateway's "memory" in .*corral\.json \(args, env\.API_TOKEN\): a different server of the same name; not rewritten \(--force rewrites it anyway\)$/m,
    );
    const report = JSON.parse(kept.stdout) as {
      servers: { name: string; outcome: string; differences?: string[] }[];
    };
    assert.deepEqual(
      report.servers.map((server) => [server.name, server.outcome, server.differences]),
      [
        ["filesystem", "rewritten", undefined],
        ["memory", "skipped", ["args", "env.API_TOKEN"]],
      ],
    );
    const afterKept = parseJsonc(readFileSync(file, "utf8")) as { mcpServers: Record<string, unknown> };
    assert.deepEqual(
      afterKept.mcpServers.memory,
      (parseJsonc(original) as typeof afterKept).mcpServers.memory,
    );
    assert.doesNotMatch(kept.stdout + kept.stderr, /s3cr3t-value/, "values are never printed");

    const forced = await corral([...rewrite, "--force"], home, onPath);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /^warning: memory: differs .*; rewritten because of --force$/m);
    const afterForced = parseJsonc(readFileSync(file, "utf8")) as { mcpServers: Record<string, unknown> };
    assert.deepEqual(afterForced.mcpServers.memory, {
      command: "corral",
      args: ["connect", "memory", "--url", gateway.url],
    });
    assert.doesNotMatch(
      readFileSync(file, "utf8"),
      /s3cr3t-value/,
      "the client's copy of the secret is gone",
    );
    assert.doesNotMatch(forced.stdout + forced.stderr, /s3cr3t-value/);
  });

  test("comments, formatting and the client's own keys survive; only the launch keys change", async () => {
    const head = `{
  // Cursor: my servers
  "mcpServers": {
    /* the shared one */
    "memory": {`;
    const tail = `
    "other": { "command": "other-mcp" }, // not the gateway's
  },
}
`;
    const { home, file } = placeText(
      "project/.cursor/mcp.json",
      `${head}
      "command": ${node},
      "args": [${healthy}],
      "alwaysAllow": ["echo"]
    },${tail}`,
    );
    const result = await corral(
      ["clients", "rewrite", file, "--url", gateway.url, "--config", gatewayConfig],
      home,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^rewritten +memory$/m);
    const text = readFileSync(file, "utf8");
    assert.equal(
      text,
      `${head}
      "alwaysAllow": ["echo"],
      "url": "${gateway.url}/servers/memory/mcp"
    },${tail}`,
    );
  });

  test("the command written for Claude Desktop is runnable: corral from the PATH, else node and the bin by absolute path", async () => {
    const text = `{ "mcpServers": { "memory": { "command": ${node}, "args": [${healthy}] } } }\n`;
    const emptyPath = mkdtempSync(join(tmpdir(), "corral-no-corral-"));
    for (const [path, expected] of [
      [emptyPath, [process.execPath, CORRAL_BIN]],
      [withCorral, ["corral"]],
    ] as const) {
      const { home, file } = placeText("Claude/claude_desktop_config.json", text);
      const result = await corral(
        ["clients", "rewrite", file, "--url", gateway.url, "--config", gatewayConfig],
        home,
        { PATH: path },
      );
      assert.equal(result.code, 0, result.stderr);
      const warned = /^warning: corral is not on the PATH; the client will run .* connect … instead/m;
      if (path === emptyPath) assert.match(result.stderr, warned);
      else assert.doesNotMatch(result.stderr, warned);
      const entry = (
        parseJsonc(readFileSync(file, "utf8")) as {
          mcpServers: { memory: { command: string; args: string[] } };
        }
      ).mcpServers.memory;
      const [command, ...prefix] = expected;
      assert.equal(entry.command, command);
      assert.deepEqual(entry.args, [...prefix, "connect", "memory", "--url", gateway.url]);
      // Start it the way the client would, with the same PATH.
      await using bridge = runConnect([], { PATH: path }, [entry.command, ...entry.args]);
      const answer = await bridge.request(1, "initialize", {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "claude-desktop-test", version: "0" },
      });
      const info = (answer.result as { serverInfo?: { name?: string } } | undefined)?.serverInfo;
      assert.equal(info?.name, "healthy", JSON.stringify(answer));
      bridge.end();
    }
  });

  test("no gateway at --url is exit 1 and the file is untouched; usage errors exit 2", async () => {
    const { home, file } = placeSample("cursor");
    const original = readFileSync(file, "utf8");
    const result = await corral(["clients", "rewrite", file, "--url", "http://127.0.0.1:1"], home);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no gateway answered/);
    assert.equal(readFileSync(file, "utf8"), original);
    assert.equal((await corral(["clients", "list"], REPO_ROOT)).code, 2);
    assert.equal((await corral(["clients", "rewrite"], REPO_ROOT)).code, 2);
  });
});
