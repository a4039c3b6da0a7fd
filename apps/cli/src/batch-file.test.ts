import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendResults, inputBatches, rowsDone } from './batch-file.js';

const dir = mkdtempSync(join(tmpdir(), 'ptune-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(path: string, size: number, skip: number) {
  const batches = [];
  for await (const batch of inputBatches(path, size, skip)) batches.push(batch);
  return batches;
}

describe('batch files', () => {
  it('streams non-empty lines in batches, skipping done rows; a non-JSON line is a row with an error', async () => {
    const input = join(dir, 'rows.jsonl');
    writeFileSync(input, '\ufeff{"a":1}\r\n\n"text"\nnot json\n{"a":4}');
    const batches = await collect(input, 2, 1);
    expect(batches.map((b) => b.map((r) => [r.row, r.line]))).toEqual([[[1, 3], [2, 4]], [[3, 5]]]);
    expect(batches[0]![0]!.value).toBe('text');
    expect(batches[0]![1]!.error).toMatch(/rows\.jsonl:4: not valid JSON/);
    expect((await collect(input, 10, 0))[0]![0]!.value).toEqual({ a: 1 }); // BOM and CRLF
  });

  it('counts finished rows and drops a line an interrupted run cut short', async () => {
    const output = join(dir, 'preds.jsonl');
    expect(await rowsDone(output)).toBe(0);
    await appendResults(output, [{ row: 0 }, { row: 1 }]);
    writeFileSync(output, `${readFileSync(output, 'utf8')}{"row": 2, "te`);
    expect(await rowsDone(output)).toBe(2);
    expect(readFileSync(output, 'utf8')).toBe('{"row":0}\n{"row":1}\n');
  });

  it('names a missing input file', async () => {
    await expect(collect(join(dir, 'nope.jsonl'), 2, 0)).rejects.toMatchObject({ code: 'DATA_NOT_FOUND' });
  });
});
