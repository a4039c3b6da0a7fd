import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoStackTrace, makeTempDir, runCli, type CliResult } from './run-cli.js';

/**
 * The mistakes a new user made with a paraphrase task (sentence pairs) on the first try: each ends
 * in ONE message listing every problem, with exit 6 (task or data), before any model work (a
 * missing --model would otherwise be reported: exit 4) and with nothing written.
 */
const GOOD_TASK = {
  id: 'paraphrase',
  name: 'Paraphrase',
  kind: 'classification',
  template: 'Sentence 1: {sentence1}\nSentence 2: {sentence2}\nSame meaning?\nAnswer:',
  verbalizer: { '0': ' no', '1': ' yes' },
  labelNames: { '0': 'not paraphrase', '1': 'paraphrase' },
};
const ROWS = [
  ['The cat sat.', 'A cat was sitting.', '1'],
  ['It rained.', 'The sun was out.', '0'],
  ['He ran home.', 'He went home fast.', '1'],
  ['She ate.', 'She was asleep.', '0'],
];

/** A task failure as the CLI reports it: the exit code, `ptune: CODE: header` then one `  - ` line per problem. */
function problems(result: CliResult, exit: number, code: string): string[] {
  expectNoStackTrace(result.stderr);
  expect(result.code, result.stderr).toBe(exit);
  expect(result.stdout).toBe('');
  const [first, ...rest] = result.stderr.trimEnd().split('\n');
  expect(first).toMatch(new RegExp(`^ptune: ${code}: `));
  expect(result.stderr).not.toMatch(/INTERNAL/);
  return rest;
}

describe('task files: every problem at once, before training, exit 6', () => {
  let dir: string;
  let cleanup = () => {};
  const write = (name: string, content: string | object) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  };
  const csv = (rows: string[][]) => `sentence1,sentence2,label\r\n${rows.map((r) => r.map((c) => `"${c}"`).join(',')).join('\r\n')}\r\n`;
  const train = (taskFile: string) => runCli(['train', '--task-file', taskFile, '--model', join(dir, 'no-such-model'), '--steps', '1', '--out', join(dir, 'out.safetensors')]);

  beforeAll(() => {
    ({ dir, cleanup } = makeTempDir('task-files'));
    write('train.csv', csv(ROWS));
  });
  afterAll(() => cleanup());

  it('a missing name', async () => {
    const { name: _name, ...task } = GOOD_TASK;
    const lines = problems(await train(write('no-name.json', { task, train: 'train.csv' })), 6, 'TASK_INVALID');
    expect(lines).toEqual(['  - task.name: expected a string, got nothing (missing)']);
    expect(existsSync(join(dir, 'out.safetensors'))).toBe(false);
  });

  it('misspelled keys ("verbaliser", "labels") with did-you-mean, and the required key they stand for', async () => {
    const { verbalizer, labelNames, ...task } = GOOD_TASK;
    const result = await train(write('misspelled.json', { task: { ...task, verbaliser: verbalizer, labels: labelNames }, train: 'train.csv', dve: 'dev.csv' }));
    const lines = problems(result, 6, 'TASK_INVALID');
    expect(result.stderr.split('\n')[0]).toContain('4 problems in the task file');
    expect(lines).toEqual(
      expect.arrayContaining([
        '  - task.verbalizer: expected an object, got nothing (missing)',
        expect.stringMatching(/^  - task\.verbaliser: expected one of the keys kind, id, name, template, .*, got unknown key "verbaliser" \(did you mean "verbalizer"\?\)$/),
        expect.stringMatching(/^  - task\.labels: .*got unknown key "labels" \(did you mean "verbalizer"\?\)$/),
        expect.stringMatching(/^  - dve: .*got unknown key "dve" \(did you mean "dev"\?\)$/),
      ]),
    );
  });

  it('a wrong kind lists the valid kinds', async () => {
    const lines = problems(await train(write('kind.json', { task: { ...GOOD_TASK, kind: 'paraphrase' }, train: 'train.csv' })), 6, 'TASK_INVALID');
    expect(lines).toEqual(['  - task.kind: expected one of "classification", "multiple-choice", "generation", "language-modeling", got "paraphrase"']);
  });

  it('a label value missing from the verbalizer: every bad row of every file in one DATA_INVALID', async () => {
    write('labels-train.csv', csv([...ROWS, ['A.', 'B.', '2'], ['C.', 'D.', 'yes']]));
    write('labels-dev.csv', csv([['E.', 'F.', '3']]));
    const result = await train(write('labels.json', { task: GOOD_TASK, train: 'labels-train.csv', dev: 'labels-dev.csv' }));
    const lines = problems(result, 6, 'DATA_INVALID');
    expect(result.stderr.split('\n')[0]).toMatch(/3 problems in the data:$/);
    expect(lines).toEqual([
      `  - ${join(dir, 'labels-train.csv')}:6: unknown label "2" in column "label"; allowed labels: "0", "1"`,
      `  - ${join(dir, 'labels-train.csv')}:7: unknown label "yes" in column "label"; allowed labels: "0", "1"`,
      `  - ${join(dir, 'labels-dev.csv')}:2: unknown label "3" in column "label"; allowed labels: "0", "1"`,
    ]);
  });

  it('a data file that does not exist is DATA_NOT_FOUND, exit 6 (not a missing model)', async () => {
    const result = await train(write('missing.json', { task: GOOD_TASK, train: 'nope.csv' }));
    expect(problems(result, 6, 'DATA_NOT_FOUND')).toEqual([]);
    expect(result.stderr).toContain(join(dir, 'nope.csv'));
  });

  it('a CSV with a BOM and CRLF line ends, and an empty row: read as intended, the empty row skipped and counted', async () => {
    const [header, first, ...rest] = csv(ROWS).split('\r\n');
    write('bom.csv', `\ufeff${[header, first, ',,', ...rest].join('\r\n')}`); // line 3: an empty row
    const result = await runCli(['validate', '--task-file', write('bom.json', { $schema: '../packages/contracts/task.schema.json', task: GOOD_TASK, train: 'bom.csv', dev: 'train.csv' }), '--backend', 'cpu', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { data: { splits: Array<{ name: string; examples: number; labels: Record<string, number> }>; skipped: Array<{ line: number }>; samples: Array<{ input: string; target: string; inputPieces: string[] }> } };
    expect(report.data.splits[0]).toMatchObject({ name: 'train', examples: 4, labels: { '0': 2, '1': 2 } });
    expect(report.data.skipped.map((s) => s.line)).toEqual([3]);
    expect(report.data.samples[0]!.input).toBe('Sentence 1: The cat sat.\nSentence 2: A cat was sitting.\nSame meaning?\nAnswer:');
    expect(report.data.samples[0]!.target).toBe(' yes');
    expect(report.data.samples[0]!.inputPieces[0]).toBe('<s>');
  });

  it('validate prints three examples as the model receives them, token counts, labels and the skipped row', async () => {
    const result = await runCli(['validate', '--task-file', join(dir, 'bom.json'), '--backend', 'cpu', '--prompt-length', '8']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('task paraphrase (classification, "Paraphrase"): valid');
    expect(result.stdout).toContain('labels: 0 (not paraphrase) -> " no", 1 (paraphrase) -> " yes"');
    expect(result.stdout).toMatch(/input tokens: min \d+, median [\d.]+, max \d+ \(after a prompt of 8; 0 truncated to fit\)/);
    expect(result.stdout).toContain(`empty rows skipped: 1 (${join(dir, 'bom.csv')}:3)`);
    expect(result.stdout.match(/exactly as the model receives it/g)).toHaveLength(3);
    expect(result.stdout).toContain('  target:      " yes" (label 1, paraphrase)');
  });

  it('train --dry-run shows the same report and trains nothing', async () => {
    const out = join(dir, 'dry.safetensors');
    const result = await runCli(['train', '--task-file', join(dir, 'bom.json'), '--backend', 'cpu', '--dry-run', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('exactly as the model receives it');
    expect(result.stdout).toMatch(/dry run: would train on 4 examples, evaluating 4 dev examples \(--select last\)/);
    expect(existsSync(out)).toBe(false);
  });

  it.each(['paraphrase', 'copa-like'])('the README example docs/examples/%s/task.json is valid', async (name) => {
    const result = await runCli(['validate', '--task-file', `docs/examples/${name}/task.json`, '--backend', 'cpu']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^task ${name} \\(.*\\): valid\\n`));
    expect(result.stdout).toContain(`train: 6 examples from docs/examples/${name}/train.`);
  });
});
