import { PtuneError } from '../errors.js';

/** One physical or (for quoted newlines) logical row; `line` is the 1-based line it starts on. */
export interface TextRow {
  readonly cells: string[];
  readonly line: number;
}

/**
 * Splits RFC 4180 CSV into rows: `"` quotes a field, `""` inside quotes is one quote, quoted fields
 * may hold commas and newlines; rows end with LF or CRLF. Empty lines are skipped. A quote inside
 * an unquoted field is kept literally (as Python's csv does); text after a closing quote is an error.
 */
export function parseCsvRows(text: string, source: string, delimiter = ','): TextRow[] {
  const rows: TextRow[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1; // an empty line
      line++;
      continue;
    }
    const rowLine = line;
    const cells: string[] = [];
    for (;;) {
      if (text[i] === '"') {
        const quoteLine = line;
        let value = '';
        i++;
        for (;;) {
          const close = text.indexOf('"', i);
          if (close < 0) throw new PtuneError('DATA_INVALID', `${source}:${quoteLine}: a quoted field is never closed (missing '"')`);
          value += text.slice(i, close);
          line += countNewlines(text, i, close);
          i = close + 1;
          if (text[i] !== '"') break;
          value += '"'; // "" is an escaped quote
          i++;
        }
        const next = text[i];
        if (next !== undefined && next !== delimiter && next !== '\n' && !(next === '\r' && text[i + 1] === '\n')) {
          throw new PtuneError('DATA_INVALID', `${source}:${line}: unexpected ${JSON.stringify(next)} after a closing quote; quote the whole field and write '""' for a quote inside it`);
        }
        cells.push(value);
      } else {
        let end = i;
        while (end < n && text[end] !== delimiter && text[end] !== '\n') end++;
        // A CR before the LF belongs to the line ending, not the field.
        const stop = text[end] === '\n' && text[end - 1] === '\r' && end > i ? end - 1 : end;
        cells.push(text.slice(i, stop));
        i = end;
      }
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    rows.push({ cells, line: rowLine });
  }
  return rows;
}

/** GLUE-style TSV: no quoting at all, one row per line, cells split on tabs. Empty lines are skipped. */
export function parseTsvRows(text: string): TextRow[] {
  const rows: TextRow[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.length > 0) rows.push({ cells: content.split('\t'), line: index + 1 });
  });
  return rows;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
