import { PtuneError } from '../errors.js';
import { decodeUtf8 } from './decode-text.js';
import { parseCsvRows, parseTsvRows, type TextRow } from './parse-csv.js';

/** Table formats a task file may use. */
export type RecordFormat = 'jsonl' | 'csv' | 'tsv';

/** One record of a data file and the 1-based line it starts on (for error messages and origins). */
export interface SourceRecord {
  readonly record: Readonly<Record<string, unknown>>;
  readonly line: number;
}

const EXTENSIONS: Readonly<Record<string, RecordFormat>> = { jsonl: 'jsonl', ndjson: 'jsonl', csv: 'csv', tsv: 'tsv', tab: 'tsv' };

/** The format a file name implies (`.jsonl`/`.ndjson`, `.csv`, `.tsv`/`.tab`); INVALID_ARGUMENT otherwise. */
export function inferRecordFormat(source: string): RecordFormat {
  const extension = /\.([a-z]+)$/i.exec(source)?.[1]?.toLowerCase() ?? '';
  const format = EXTENSIONS[extension];
  if (!format) {
    throw new PtuneError(
      'INVALID_ARGUMENT',
      `${source}: cannot tell the format from the extension "${extension}"; expected one of ${Object.keys(EXTENSIONS).map((e) => `.${e}`).join(', ')} or an explicit format`,
    );
  }
  return format;
}

/**
 * Parses a JSONL, CSV or TSV file into records. Bytes are decoded as strict UTF-8 (BOM allowed).
 * CSV/TSV take column names from the header row; every row must have as many cells as the header.
 * `format` undefined: inferred from `source`'s extension. Errors are DATA_INVALID and start with
 * `source:line:`. A file without any record is an error too.
 */
export function parseRecords(input: Uint8Array | string, format: RecordFormat | undefined, source: string): SourceRecord[] {
  const resolved = format ?? inferRecordFormat(source);
  const text = decodeUtf8(input, source);
  if (text.trim().length === 0) throw new PtuneError('DATA_INVALID', `${source}:1: the file is empty (no records)`);
  if (resolved === 'jsonl') return parseJsonLines(text, source);
  const rows = resolved === 'csv' ? parseCsvRows(text, source) : parseTsvRows(text);
  return recordsFromRows(rows, source);
}

function parseJsonLines(text: string, source: string): SourceRecord[] {
  const records: SourceRecord[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new PtuneError('DATA_INVALID', `${source}:${line}: invalid JSON (${reason})`, { cause });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
      throw new PtuneError('DATA_INVALID', `${source}:${line}: expected a JSON object per line, got ${kind}`);
    }
    records.push({ record: value as Record<string, unknown>, line });
  });
  return records;
}

function recordsFromRows(rows: readonly TextRow[], source: string): SourceRecord[] {
  const [header, ...body] = rows;
  if (!header) throw new PtuneError('DATA_INVALID', `${source}:1: the file is empty (no records)`);
  const seen = new Set<string>();
  for (const name of header.cells) {
    if (seen.has(name)) throw new PtuneError('DATA_INVALID', `${source}:${header.line}: the header names column "${name}" twice`);
    seen.add(name);
  }
  if (body.length === 0) throw new PtuneError('DATA_INVALID', `${source}:${header.line + 1}: the file has a header row but no data rows`);
  return body.map(({ cells, line }) => {
    if (cells.length !== header.cells.length) {
      throw new PtuneError(
        'DATA_INVALID',
        `${source}:${line}: row has ${cells.length} cells, but the header (line ${header.line}) has ${header.cells.length} columns`,
      );
    }
    const record: Record<string, unknown> = {};
    header.cells.forEach((name, j) => Object.defineProperty(record, name, { value: cells[j], enumerable: true, writable: true, configurable: true }));
    return { record, line };
  });
}
