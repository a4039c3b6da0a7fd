import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePromptArtifact } from '@ptune/core';
import { COPA_TASK } from './copa-fixture.js';
import { makeTempDir, runCli } from './run-cli.js';

/** The README's choice-of-plausible-alternatives task (premise, two choices, cause/effect), written by hand. */
const TASK = COPA_TASK;
const STORIES: Array<[string, string, string, 'cause' | 'effect']> = [
  ['fell down', 'she slipped on the ice', 'she ate a big red apple pie with her friends', 'cause'],
  ['was hungry', 'she ate lunch', 'she painted the fence', 'effect'],
  ['was tired', 'went to bed early', 'jumped into the cold lake at noon', 'effect'],
  ['cried', 'lost a toy', 'found a shiny new coin on the road', 'cause'],
];
const rows = (n: number, offset: number) =>
  Array.from({ length: n }, (_, i) => {
    const [what, right, wrong, question] = STORIES[(i + offset) % STORIES.length]!;
    const label = (i * 7 + offset) % 2;
    return { premise: `${['Tom', 'Lily', 'The dog'][i % 3]} ${what}.`, question, choice1: label === 0 ? right : wrong, choice2: label === 0 ? wrong : right, label };
  });
const jsonl = (list: readonly object[]) => `${list.map((r) => JSON.stringify(r)).join('\n')}\n`;

describe('a multiple-choice task through the CLI (stories260K)', () => {
  let dir: string;
  let cleanup = () => {};
  let artifact: string;
  const cpu = ['--backend', 'cpu'];

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('mc'));
    writeFileSync(join(dir, 'train.jsonl'), jsonl(rows(20, 0)));
    writeFileSync(join(dir, 'dev.jsonl'), jsonl(rows(8, 1)));
    writeFileSync(join(dir, 'copa.json'), JSON.stringify({ task: TASK, train: 'train.jsonl', dev: 'dev.jsonl' }));
    // The same task whose dev file does not exist: --select best must never need it.
    writeFileSync(join(dir, 'no-dev.json'), JSON.stringify({ task: TASK, train: 'train.jsonl', dev: 'never-read.jsonl' }));
    artifact = join(dir, 'copa.safetensors');
    const train = await runCli(['train', '--task-file', join(dir, 'no-dev.json'), ...cpu, '--prompt-length', '4', '--steps', '4', '--batch-size', '4', '--eval-every', '2', '--select', 'best', '--select-fraction', '0.2', '--seed', '3', '--out', artifact, '--json'], 180_000);
    expect(train.code, train.stderr).toBe(0);
  }, 200_000);
  afterAll(() => cleanup());

  it('--select best selects on a validation split carved from train and never reads the dev split', async () => {
    const { manifest } = decodePromptArtifact(new Uint8Array(readFileSync(artifact)), artifact);
    const selection = manifest.training?.selection as Record<string, unknown>;
    expect(selection).toMatchObject({ select: 'best', selectedOn: 'validation', metricsSplit: 'validation', validation: { split: 'validation', fraction: 0.2, seed: 3, trainExamples: 16, validationExamples: 4 } });
    expect(selection.reason).toMatch(/^best validation accuracy [\d.]+ at step [24] of 4$/);
    expect(manifest.task).toEqual(TASK);
    // The same run with --select last evaluates dev, so it has to read it: the file is really missing.
    const last = await runCli(['train', '--task-file', join(dir, 'no-dev.json'), ...cpu, '--prompt-length', '4', '--steps', '1', '--out', join(dir, 'last.safetensors')]);
    expect(last.code).toBe(6);
    expect(last.stderr).toMatch(/DATA_NOT_FOUND: .*never-read\.jsonl/);
  }, 120_000);

  it('eval scores each example over its own candidates, and warns when asked for the selection split', async () => {
    const dev = await runCli(['eval', '--task-file', join(dir, 'copa.json'), ...cpu, '--soft-prompt', artifact, '--json']);
    expect(dev.code, dev.stderr).toBe(0);
    const summary = JSON.parse(dev.stdout) as { split: string; examples: number; accuracy: number; firstCandidateBaseline: number };
    expect(summary).toMatchObject({ split: 'dev', examples: 8 });
    expect(summary.firstCandidateBaseline).toBe(rows(8, 1).filter((r) => r.label === 0).length / 8);
    expect(dev.stderr).not.toMatch(/selected on/);
    const onTrain = await runCli(['eval', '--task-file', join(dir, 'copa.json'), ...cpu, '--soft-prompt', artifact, '--split', 'train']);
    expect(onTrain.code).toBe(0);
    expect(onTrain.stderr).toMatch(/warning: .*copa\.safetensors's step was selected on the train split/);
  }, 120_000);

  it('predict --input/--output streams one result per row, bad rows as error results, and resumes', async () => {
    const input = join(dir, 'rows.jsonl');
    const output = join(dir, 'preds.jsonl');
    const fresh = rows(3, 2).map(({ label: _label, ...fields }) => fields);
    writeFileSync(input, jsonl([...fresh.slice(0, 2), { ...fresh[2]!, question: 'why' }]));
    const first = await runCli(['predict', ...cpu, '--soft-prompt', artifact, '--input', input, '--output', output, '--batch-size', '2']);
    expect(first.code, first.stderr).toBe(0);
    const lines = () => readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { row: number; kind: string; choice?: number; text?: string; candidates?: string[]; error?: { code: string; message: string } });
    expect(lines().map((l) => [l.row, l.kind])).toEqual([[0, 'multiple-choice'], [1, 'multiple-choice'], [2, 'error']]);
    const [a] = lines();
    expect(a!.candidates).toEqual([fresh[0]!.choice1, fresh[0]!.choice2]);
    expect(a!.text).toBe(a!.candidates![a!.choice!]!.trim());
    expect(lines()[2]!.error).toEqual({ code: 'DATA_INVALID', message: `${input}:3: field "question" is "why"; task.wording.question has "cause", "effect"` });
    writeFileSync(input, `${readFileSync(input, 'utf8')}${JSON.stringify(fresh[0])}\nnot json\n`);
    const resumed = await runCli(['predict', ...cpu, '--soft-prompt', artifact, '--input', input, '--output', output, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ skipped: 3, written: 2, errors: 1 });
    expect(lines().map((l) => [l.row, l.kind])).toEqual([[0, 'multiple-choice'], [1, 'multiple-choice'], [2, 'error'], [3, 'multiple-choice'], [4, 'error']]);
    expect(lines()[3]!.choice).toBe(a!.choice); // the same input, the same answer
  }, 120_000);

  it('export-peft names a real Hub base model and writes the task beside the adapter; import needs no task file', async () => {
    const peft = join(dir, 'peft');
    const exported = await runCli(['export-peft', '--soft-prompt', artifact, '--out', peft, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ baseModel: 'karpathy/tinyllamas', files: ['adapter_config.json', 'adapter_model.safetensors', 'ptune_task.json', 'README.md'] });
    const config = JSON.parse(readFileSync(join(peft, 'adapter_config.json'), 'utf8')) as { base_model_name_or_path: string };
    expect(config.base_model_name_or_path).toBe('karpathy/tinyllamas'); // where stories260K lives on the Hub (README, Models)
    expect(readFileSync(join(peft, 'README.md'), 'utf8')).toMatch(/^---\nbase_model: karpathy\/tinyllamas\n/);
    const back = join(dir, 'back.safetensors');
    const imported = await runCli(['import', ...cpu, '--peft', peft, '--out', back]);
    expect(imported.code, imported.stderr).toBe(0);
    const [original, reimported] = [artifact, back].map((p) => decodePromptArtifact(new Uint8Array(readFileSync(p)), p));
    expect(reimported!.manifest.task).toEqual(original!.manifest.task);
    expect(reimported!.manifest.init).toEqual(original!.manifest.init);
    expect(Array.from(reimported!.embeddings)).toEqual(Array.from(original!.embeddings));
    expect(existsSync(join(dir, 'never-read.jsonl'))).toBe(false);
    const named = await runCli(['export-peft', '--soft-prompt', artifact, '--out', join(dir, 'peft2'), '--base-model', 'someone/stories260K-hf', '--json']);
    expect(JSON.parse(readFileSync(join(dir, 'peft2', 'adapter_config.json'), 'utf8'))).toMatchObject({ base_model_name_or_path: 'someone/stories260K-hf' });
    expect(named.code).toBe(0);
  }, 120_000);
});
