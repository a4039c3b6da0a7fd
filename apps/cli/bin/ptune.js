#!/usr/bin/env node
import { main } from '../dist/main.js';

const code = await main(process.argv);
// An explicit exit: the wasm backend's worker threads (XNNPACK's pool) never drain the event loop.
// It waits for stdout and stderr to flush first (a pipe may still hold a large --json answer).
const flushed = (stream) => new Promise((resolve) => stream.write('', resolve));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
