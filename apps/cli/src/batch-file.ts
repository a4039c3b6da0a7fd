import { createReadStream } from 'node:fs';
import { appendFile, readFile, truncate } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { PtuneError } from '@ptune/core';

/** One input line of a rows file: its 0-based row number, its line, and the parsed JSON (or why it is not). */
export interface InputRow {
  readonly row: number;
  readonly line: number;
  readonly value: unknown;
  readonly error?: string;
}

/**
 * The rows already written to `output` (one JSON line per row, in input order), after dropping a
 * last line cut short by an interrupted run: a resumed run skips that many input rows.
 */
export async function rowsDone(output: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(output, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new PtuneError('INVALID_ARGUMENT', `cannot read --output ${output} (${(error as Error).message})`);
  }
  const complete = text.lastIndexOf('\n') + 1;
  if (complete < text.length) await truncate(output, Buffer.byteLength(text.slice(0, complete)));
  return text.slice(0, complete).split('\n').filter((l) => l.trim() !== '').length;
}

/**
 * Streams a JSONL file's non-empty lines in batches, skipping the first `skip` rows; a line that
 * is not JSON becomes a row with `error` (answered as an error result, not a failed run).
 */
export async function* inputBatches(path: string, batchSize: number, skip: number): AsyncGenerator<InputRow[]> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new PtuneError('DATA_NOT_FOUND', `input file not found: ${path}`) : error));
  });
  await opened;
  let batch: InputRow[] = [];
  let row = 0;
  let line = 0;
  for await (const raw of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (text.trim() === '') continue;
    const index = row++;
    if (index < skip) continue;
    try {
      batch.push({ row: index, line, value: JSON.parse(text) });
    } catch (error) {
      batch.push({ row: index, line, value: text, error: `${path}:${line}: not valid JSON (${(error as Error).message})` });
    }
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Appends one batch of result lines in one write (a crash leaves at most one partial line, dropped on resume). */
export async function appendResults(output: string, lines: readonly unknown[]): Promise<void> {
  await appendFile(output, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}
