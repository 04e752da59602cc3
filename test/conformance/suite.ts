// The pinned conformance suite's runner (plain JS in test/conformance/) and its active server
// scenarios, shared by the direct and the through-the-gateway runs.

export interface ConformanceResult {
  readonly passed: readonly string[];
  readonly failed: readonly { readonly name: string; readonly reason: string }[];
  readonly total: number;
  readonly checks: number;
  readonly outDir: string;
  readonly version: string;
}

export interface ConformanceRunner {
  runConformance(options: {
    url: string;
    outDir?: string;
    scenarios?: readonly string[];
    signal?: AbortSignal;
    timeoutMs?: number;
  }): Promise<ConformanceResult>;
  formatReport(result: ConformanceResult): string[];
}

// The runner is plain JS that stays in test/conformance/; this file runs from dist/test/conformance/.
export const RUNNER_URL = new URL("../../../test/conformance/run-conformance.mjs", import.meta.url);

/** The active server scenarios of the pinned suite (0.1.13); a suite bump that changes them fails here. */
export const ACTIVE_SERVER_SCENARIOS = [
  "server-initialize",
  "logging-set-level",
  "ping",
  "completion-complete",
  "tools-list",
  "tools-call-simple-text",
  "tools-call-image",
  "tools-call-audio",
  "tools-call-embedded-resource",
  "tools-call-mixed-content",
  "tools-call-with-logging",
  "tools-call-error",
  "tools-call-with-progress",
  "tools-call-sampling",
  "tools-call-elicitation",
  "elicitation-sep1034-defaults",
  "server-sse-multiple-streams",
  "elicitation-sep1330-enums",
  "resources-list",
  "resources-read-text",
  "resources-read-binary",
  "resources-templates-read",
  "resources-subscribe",
  "resources-unsubscribe",
  "prompts-list",
  "prompts-get-simple",
  "prompts-get-with-args",
  "prompts-get-embedded-resource",
  "prompts-get-with-image",
  "dns-rebinding-protection",
];

export async function loadRunner(): Promise<ConformanceRunner> {
  return (await import(RUNNER_URL.href)) as ConformanceRunner;
}
