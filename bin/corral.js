#!/usr/bin/env node
// The published entry point: run the compiled CLI. `npm install` builds dist/ through `prepare`.
import { main } from "../dist/src/cli/index.js";

process.exitCode = await main(process.argv.slice(2), process.env);
