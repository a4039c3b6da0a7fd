#!/usr/bin/env node
/**
 * `npm run bench` (after the build): runs the bench sections, writes <out>/bench.json and
 * <out>/bench.md, prints the markdown to stdout (progress goes to stderr). Options: see options.mjs.
 * A section is a module exporting `{ id, title, run(options), toMarkdown(data) }`, listed in
 * ALL_SECTIONS (and its id in options.mjs's SECTION_IDS); `--sections` picks some.
 */
import { parseOptions, UsageError } from './options.mjs';
import { buildReport, renderMarkdown, writeReport } from './report.mjs';
import { section as browser } from './browser-bench.mjs';
import { section as edge } from './edge-bench.mjs';
import { section as runtime } from './runtime-bench.mjs';
import { section as scale } from './scale-bench.mjs';
import { section as t5 } from './t5-bench.mjs';
import { section as training } from './training-bench.mjs';

const ALL_SECTIONS = [runtime, t5, scale, training, edge, browser];

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
  const sections = ALL_SECTIONS.filter((s) => options.sections.includes(s.id));
  for (const section of sections) {
    log(`${section.title}...`);
    results[section.id] = await section.run({ ...options, log });
  }
  const report = buildReport({ date, quick: options.quick, durationMs: Math.round(performance.now() - start), results });
  const markdown = renderMarkdown(report, sections);
  const files = await writeReport(options.outDir, report, markdown);
  process.stdout.write(markdown);
  log(`wrote ${files.json} and ${files.md} (${(report.durationMs / 1000).toFixed(0)} s)`);
}

main().catch((error) => {
  process.stderr.write(error instanceof UsageError ? `${error.message}\n` : `[bench] failed: ${error?.stack ?? error}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
