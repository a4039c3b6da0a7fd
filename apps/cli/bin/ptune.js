#!/usr/bin/env node
import { main } from '../dist/main.js';

// An explicit exit: the wasm backend's worker threads (XNNPACK's pool) never drain the event loop.
process.exit(await main(process.argv));
