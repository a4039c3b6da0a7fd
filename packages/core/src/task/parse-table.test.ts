import { describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { createRng } from '../model/sampling.js';
import { firstInvalidUtf8Offset } from './decode-text.js';
import { inferRecordFormat, parseRecords, type RecordFormat } from './parse-table.js';

const bytes = (text: string) => new TextEncoder().encode(text);

function errorOf(run: () => unknown): PtuneError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PtuneError);
    return error as PtuneError;
  }
  throw new Error('expected a PtuneError');
}

const parse = (text: string | Uint8Array, format: RecordFormat, source = `f.${format}`) => parseRecords(typeof text === 'string' ? bytes(text) : text, format, source);

describe('parseRecords: JSONL', () => {
  it('reads one object per line, skipping blank lines and keeping line numbers', () => {
    const records = parse('{"a":1}\n\n{"a":"x","b":{"c":true}}\r\n', 'jsonl');
    expect(records).toEqual([
      { record: { a: 1 }, line: 1 },
      { record: { a: 'x', b: { c: true } }, line: 3 },
    ]);
  });

  it('names the line of a syntax error and of a non-object', () => {
    const bad = errorOf(() => parse('{"a":1}\n{"a":2}\n{"a":\n', 'jsonl', 'train.jsonl'));
    expect(bad.code).toBe('DATA_INVALID');
    expect(bad.message).toMatch(/^train\.jsonl:3: invalid JSON/);
    expect(errorOf(() => parse('{"a":1}\n[1,2]\n', 'jsonl')).message).toMatch(/^f\.jsonl:2: expected a JSON object per line, got an array/);
  });
});

describe('parseRecords: CSV (RFC 4180)', () => {
  it('handles quotes, escaped quotes, embedded newlines, CRLF and a BOM', () => {
    const text = '\ufeffid,text,label\r\n1,"a, b",x\r\n2,"say ""hi""\r\nand bye",y\r\n3,,"z"\r\n';
    const records = parse(text, 'csv');
    expect(records.map((r) => r.line)).toEqual([2, 3, 5]);
    expect(records.map((r) => r.record)).toEqual([
      { id: '1', text: 'a, b', label: 'x' },
      { id: '2', text: 'say "hi"\r\nand bye', label: 'y' },
      { id: '3', text: '', label: 'z' },
    ]);
  });

  it('accepts a last row without a newline, LF endings and a quote inside an unquoted field', () => {
    expect(parse('a,b\n1,2 "in" 3\n4,', 'csv').map((r) => r.record)).toEqual([
      { a: '1', b: '2 "in" 3' },
      { a: '4', b: '' },
    ]);
  });

  it('names the line of a ragged row (after a multi-line quoted field)', () => {
    const error = errorOf(() => parse('a,b\n"x\ny",1\n2,3,4\n', 'csv', 'data.csv'));
    expect(error.code).toBe('DATA_INVALID');
    expect(error.message).toBe('data.csv:4: row has 3 cells, but the header (line 1) has 2 columns');
  });

  it('rejects unclosed quotes, text after a closing quote, duplicate columns and a header without rows', () => {
    expect(errorOf(() => parse('a,b\n1,"open\n2,3\n', 'csv')).message).toMatch(/^f\.csv:2: a quoted field is never closed/);
    expect(errorOf(() => parse('a,b\n1,"x"y\n', 'csv')).message).toMatch(/^f\.csv:2: unexpected "y" after a closing quote/);
    expect(errorOf(() => parse('a,a\n1,2\n', 'csv')).message).toMatch(/^f\.csv:1: the header names column "a" twice/);
    expect(errorOf(() => parse('a,b\r\n', 'csv')).message).toMatch(/^f\.csv:2: the file has a header row but no data rows/);
  });

  it('round-trips random tables written with RFC 4180 quoting', () => {
    const rng = createRng(7);
    const alphabet = ['a', 'b', ' ', ',', '"', '\n', '\r\n', 'é', '\t'];
    const cell = () => Array.from({ length: Math.floor(rng() * 6) }, () => alphabet[Math.floor(rng() * alphabet.length)]).join('');
    const quote = (value: string) => (/[",\r\n]/.test(value) || value === '' ? `"${value.replaceAll('"', '""')}"` : value);
    for (let trial = 0; trial < 200; trial++) {
      const columns = 1 + Math.floor(rng() * 4);
      const header = Array.from({ length: columns }, (_, j) => `c${j}`);
      const rows = Array.from({ length: 1 + Math.floor(rng() * 5) }, () => header.map(cell));
      const eol = rng() < 0.5 ? '\n' : '\r\n';
      const text = [header, ...rows].map((row) => row.map(quote).join(',')).join(eol) + (rng() < 0.5 ? eol : '');
      const records = parse(text, 'csv').map((r) => r.record);
      expect(records).toEqual(rows.map((row) => Object.fromEntries(header.map((h, j) => [h, row[j]]))));
    }
  });
});

describe('parseRecords: TSV (GLUE style)', () => {
  it('splits on tabs without quoting', () => {
    const records = parse('sentence\tlabel\r\nit \'s "quoted" , ok \t1\r\n\r\nbad\t0', 'tsv');
    expect(records).toEqual([
      { record: { sentence: 'it \'s "quoted" , ok ', label: '1' }, line: 2 },
      { record: { sentence: 'bad', label: '0' }, line: 4 },
    ]);
  });

  it('names the line of a ragged row', () => {
    expect(errorOf(() => parse('a\tb\n1\t2\n3\n', 'tsv', 'dev.tsv')).message).toBe('dev.tsv:3: row has 1 cells, but the header (line 1) has 2 columns');
  });
});

describe('parseRecords: encoding and empty files', () => {
  it('rejects broken UTF-8 naming the file and the line of the first bad byte', () => {
    const good = bytes('{"a":"x"}\n{"a":"é"}\n{"a":"');
    const input = new Uint8Array([...good, 0xff, 0xfe, ...bytes('"}\n')]);
    const error = errorOf(() => parseRecords(input, 'jsonl', 'broken.jsonl'));
    expect(error.code).toBe('DATA_INVALID');
    expect(error.message).toMatch(/^broken\.jsonl:3: not valid UTF-8 \(byte 0xff at offset \d+\)/);
  });

  it('finds overlong, surrogate and truncated sequences', () => {
    expect(firstInvalidUtf8Offset(new Uint8Array([0x61, 0xc0, 0x80]))).toBe(1); // overlong
    expect(firstInvalidUtf8Offset(new Uint8Array([0x61, 0x62, 0xed, 0xa0, 0x80]))).toBe(2); // surrogate
    expect(firstInvalidUtf8Offset(new Uint8Array([0xe2, 0x82]))).toBe(0); // truncated
    expect(firstInvalidUtf8Offset(bytes('ok é € 😀'))).toBe(bytes('ok é € 😀').length);
  });

  it('rejects empty and whitespace-only files for every format', () => {
    for (const format of ['jsonl', 'csv', 'tsv'] as const) {
      for (const text of ['', '\ufeff', ' \n\r\n']) {
        const error = errorOf(() => parse(text, format, `empty.${format}`));
        expect(error.code).toBe('DATA_INVALID');
        expect(error.message).toBe(`empty.${format}:1: the file is empty (no records)`);
      }
    }
  });
});

describe('inferRecordFormat', () => {
  it('maps extensions and rejects unknown ones', () => {
    expect(inferRecordFormat('a/b/train.JSONL')).toBe('jsonl');
    expect(inferRecordFormat('x.ndjson')).toBe('jsonl');
    expect(inferRecordFormat('x.csv')).toBe('csv');
    expect(inferRecordFormat('x.tsv')).toBe('tsv');
    expect(parseRecords('a\n1\n', undefined, 'x.csv')).toEqual([{ record: { a: '1' }, line: 2 }]);
    const error = errorOf(() => parseRecords('a\n', undefined, 'data.txt'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/data\.txt.*\.jsonl/);
  });
});
