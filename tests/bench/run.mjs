#!/usr/bin/env node
/**
 * `npm run bench` (after the build): runs the bench sections, writes <out>/bench.json and
 * <out>/bench.md, prints the markdown to stdout (progress goes to stderr). Options: see options.mjs.
 * A later section (training throughput, edge API load, browser) is a module exporting
 * `{ id, title, run(options), toMarkdown(data) }`, added to SECTIONS.
 */
import { parseOptions, UsageError } from './options.mjs';
import { buildReport, renderMarkdown, writeReport } from './report.mjs';
import { section as runtime } from './runtime-bench.mjs';
import { section as training } from './training-bench.mjs';

const SECTIONS = [runtime, training];

async function main() {
  const options = parseOptions();
  if (options.help) {
    console.log(options.help);
    return;
  }
  const log = (message) => process.stderr.write(`[bench] ${message}\n`);
  const date = new Date().toISOString();
  const start = performance.now();
  const results = {};
  for (const section of SECTIONS) {
    log(`${section.title}...`);
    results[section.id] = await section.run({ ...options, log });
  }
  const report = buildReport({ date, quick: options.quick, durationMs: Math.round(performance.now() - start), results });
  const markdown = renderMarkdown(report, SECTIONS);
  const files = await writeReport(options.outDir, report, markdown);
  process.stdout.write(markdown);
  log(`wrote ${files.json} and ${files.md} (${(report.durationMs / 1000).toFixed(0)} s)`);
}

main().catch((error) => {
  process.stderr.write(error instanceof UsageError ? `${error.message}\n` : `[bench] failed: ${error?.stack ?? error}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
