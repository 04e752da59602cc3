#!/usr/bin/env -S node --max-semi-space-size=4
// The published entry point: run the compiled CLI. `npm install` builds dist/ through `prepare`.
// V8's young generation grows to 16 MiB semi-spaces by default; with 64 busy sessions that alone kept
// the gateway ~20 MiB larger for no gain in calls/s at 32 B (docs/benchmarks.md §4). `node bin/corral.js`
// skips this line's flags; `corral`, `npm start` and `npx corral` run with them.
import { main } from "../dist/src/cli/index.js";

process.exitCode = await main(process.argv.slice(2), process.env);
