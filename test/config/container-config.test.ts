// `runtime: container` in the config: what it accepts, its runtime form, and the keys that do not mix
// with it (each reported at its own path, all at once).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectConfig, expectIssues, lines } from "./load-text.js";

function issuesOf(text: string): string[] {
  return expectIssues(text).map((issue) => `${issue.line}:${issue.column} ${issue.path} ${issue.message}`);
}

describe("runtime: container", () => {
  it("normalises image, args, env, limits, network, pull, user and readOnlyRoot", () => {
    const [server] = expectConfig(
      lines(
        "servers:",
        "  echo:",
        "    runtime: container",
        "    image: node:20-alpine",
        "    args: [node, -e, 'x', 8080]",
        "    env: { MODE: test }",
        "    inheritEnv: [TOKEN]",
        "    limits: { memory: 256Mi, cpu: 0.5, pids: 64 }",
        "    network: bridge",
        "    pull: never",
        "    user: '1000:1000'",
        "    readOnlyRoot: false",
      ),
    ).servers;
    assert.equal(server?.transport, "stdio");
    assert.equal(server?.command, undefined);
    assert.deepEqual(server?.container, {
      image: "node:20-alpine",
      network: "bridge",
      pull: "never",
      readOnlyRoot: false,
      user: "1000:1000",
    });
    assert.deepEqual(server?.args, ["node", "-e", "x", "8080"]);
    assert.deepEqual(server?.env, { MODE: "test" });
    assert.deepEqual(server?.inheritEnv, ["TOKEN"]);
    assert.deepEqual(server?.limits, { memoryBytes: 256 * 2 ** 20, cpu: 0.5, pids: 64, enforce: "strict" });
  });

  it("defaults to no network, pulling a missing image, a read-only root and no user (the image's, or nobody); processes have no container section", () => {
    const config = expectConfig(
      lines("servers:", "  echo: { runtime: container, image: alpine }", "  plain: { command: x }"),
    );
    assert.deepEqual(config.servers[0]?.container, {
      image: "alpine",
      network: "none",
      pull: "missing",
      readOnlyRoot: true,
    });
    assert.equal(config.servers[1]?.container, undefined);
    assert.equal("container" in (config.servers[1] ?? {}), false);
  });

  it("needs an image, and refuses command, cwd, sandbox and url, each at its path", () => {
    assert.deepEqual(
      issuesOf(
        lines(
          "servers:",
          "  box:",
          "    runtime: container",
          "    command: node",
          "    cwd: work",
          "    sandbox: { network: none }",
          "    url: http://x",
        ),
      ),
      [
        '2:3 servers.box container server needs "image"',
        '4:14 servers.box.command "command" is for runtime: process; a container runs its image\'s entrypoint, with "args"',
        '5:10 servers.box.cwd "cwd" is a host folder; a container starts in its image\'s WORKDIR',
        '6:5 servers.box.sandbox "sandbox" is for runtime: process; the engine isolates a container (see "network")',
        '7:10 servers.box.url a container server has no "url"; it talks over its stdin and stdout',
      ],
    );
  });

  it("refuses image, network, pull, user and readOnlyRoot on a process server", () => {
    assert.deepEqual(
      issuesOf(
        lines(
          "servers:",
          "  p:",
          "    command: x",
          "    image: alpine",
          "    network: none",
          "    pull: never",
          "    user: nobody",
          "    readOnlyRoot: true",
        ),
      ),
      [
        '4:12 servers.p.image "image" is only for runtime: container',
        '5:14 servers.p.network "network" is only for runtime: container',
        '6:11 servers.p.pull "pull" is only for runtime: container',
        '7:11 servers.p.user "user" is only for runtime: container',
        '8:19 servers.p.readOnlyRoot "readOnlyRoot" is only for runtime: container',
      ],
    );
  });

  it("refuses a container reached over http, and unknown runtimes and networks", () => {
    assert.deepEqual(
      issuesOf(
        lines("servers:", "  r:", "    runtime: container", "    transport: http", "    url: http://x"),
      ),
      ["3:14 servers.r.runtime runtime: container runs a stdio server; http servers are reached by url"],
    );
    assert.deepEqual(
      issuesOf(lines("servers:", "  r:", "    runtime: docker", "    image: alpine", "    network: nne")),
      [
        '3:14 servers.r.runtime expected process or container, got "docker"',
        '5:14 servers.r.network expected none, bridge or host, got "nne"; did you mean "none"?',
      ],
    );
  });
});
