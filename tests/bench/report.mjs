/** bench.json (machine-readable) and bench.md (readable tables) for all sections. */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';

export const SCHEMA_VERSION = 1;

export function formatNumber(value, fractionDigits = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
}

/** A ratio with two significant digits, e.g. 0.031×, 1.2×. */
export function formatRatio(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${Number(value.toPrecision(2))}×`;
}

export function markdownTable(headers, rows, align = headers.map(() => 'left')) {
  const rule = align.map((a) => (a === 'right' ? '---:' : '---'));
  return [headers, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform} ${os.release()}`,
    arch: process.arch,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** `results`: { [section.id]: data } in run order. */
export function buildReport({ date, quick, durationMs, results }) {
  return { schemaVersion: SCHEMA_VERSION, date, quick, durationMs, machine: machineInfo(), sections: results };
}

export function renderMarkdown(report, sections) {
  const m = report.machine;
  const parts = [
    `## Benchmarks${report.quick ? ' (quick run: few repeats, not for comparison)' : ''}`,
    '',
    `${report.date} · Node ${m.node} · ${m.cpuModel} · ${m.cores} cores · ${m.platform} ${m.arch}`,
  ];
  for (const section of sections) {
    const data = report.sections[section.id];
    if (data) parts.push('', section.toMarkdown(data));
  }
  return `${parts.join('\n')}\n`;
}

export async function writeReport(outDir, report, markdown) {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, 'bench.json');
  const md = join(outDir, 'bench.md');
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(md, markdown);
  return { json, md };
}
