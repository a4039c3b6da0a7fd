import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { assetPath, assetsDir } from '../test-support/assets.js';
import { loadPresetTask, loadTaskFiles } from './node-files.js';
import { PRESET_TASK_IDS, presetTask, type PresetTaskId } from './presets.js';
import type { ClassificationTaskConfig, Example } from './task-config.js';

/** Records in a real file: non-empty lines (minus the TSV header), or MultiRC answers. */
function recordCount(relative: string, multirc: boolean): number {
  const lines = readFileSync(assetPath(relative), 'utf8').split('\n').filter((l) => l.trim());
  if (relative.endsWith('.tsv')) return lines.length - 1;
  if (!multirc) return lines.length;
  type Rc = { passage: { questions: { answers: unknown[] }[] } };
  return lines.reduce((sum, l) => sum + (JSON.parse(l) as Rc).passage.questions.reduce((s, q) => s + q.answers.length, 0), 0);
}

const labelSet = (examples: readonly Example[]) => [...new Set(examples.map((e) => e.label))].sort();

// [train, dev, val] example counts (val undefined: the preset has none).
const EXPECTED: Record<PresetTaskId, [number, number, number | undefined]> = {
  sst2: [67349, 872, 872],
  rte: [2490, 277, 277],
  cb: [250, 56, 56],
  boolq: [2943, 327, undefined],
  wic: [5428, 638, 638],
  wsc: [554, 104, 104],
  multirc: [27243, 4848, 4848],
  'rte-fewglue': [32, 32, 277],
  'cb-fewglue': [32, 32, 56],
  'boolq-fewglue': [32, 32, 3270],
  'wic-fewglue': [32, 32, 638],
  'wsc-fewglue': [32, 32, 104],
  'multirc-fewglue': [154, 167, 4848],
  'record-fewglue': [32, 32, undefined],
};

describe('loadPresetTask on the shared assets', () => {
  it.each(PRESET_TASK_IDS)('%s: counts match the files and labels match the verbalizer', async (id) => {
    const preset = presetTask(id);
    const data = await loadPresetTask(id, { assetsDir: assetsDir() });
    const multirc = preset.layout === 'multirc';
    expect([data.train.length, data.dev.length, data.val?.length]).toEqual(EXPECTED[id]);
    if (preset.files.dev) {
      expect(data.train.length).toBe(recordCount(preset.files.train, multirc));
      expect(data.dev.length).toBe(recordCount(preset.files.dev, multirc));
    } else {
      expect(data.train.length + data.dev.length).toBe(recordCount(preset.files.train, multirc));
    }
    if (preset.files.val) expect(data.val?.length).toBe(recordCount(preset.files.val, multirc));
    if (data.task.kind === 'multiple-choice') {
      // Every query's gold label indexes its own candidate list (ReCoRD: the passage's entities).
      for (const e of [...data.train, ...data.dev]) expect(Number(e.label)).toBeLessThan(e.candidates!.length);
      return;
    }
    const labels = Object.keys((data.task as ClassificationTaskConfig).verbalizer).sort();
    expect(labelSet(data.dev)).toEqual(labels);
    // FewGLUE's 32 WSC training examples are all positive (as in PET); every other train set has every label.
    expect(labelSet(data.train)).toEqual(id === 'wsc-fewglue' ? ['true'] : labels);
  });

  it('reads exact first examples', async () => {
    const dir = assetsDir();
    const sst2 = await loadPresetTask('sst2', { assetsDir: dir });
    expect(sst2.dev[0]).toEqual({ fields: { sentence: "it 's a charming and often affecting journey . " }, label: '1', origin: { file: join(dir, 'data/sst2/dev.tsv'), line: 2 } });
    expect(sst2.train[0]!.fields.sentence).toBe('hide new secretions from the parental units ');
    const rte = await loadPresetTask('rte', { assetsDir: dir });
    expect(rte.dev[0]!.fields).toEqual({ premise: 'Dana Reeve, the widow of the actor Christopher Reeve, has died of lung cancer at age 44, according to the Christopher Reeve Foundation.', hypothesis: 'Christopher Reeve had an accident.' });
    expect(rte.dev[0]!.label).toBe('not_entailment');
    expect(rte.devSource).toBe(join(dir, 'data/rte/val.jsonl'));
    const cb = await loadPresetTask('cb', { assetsDir: dir });
    expect(cb.dev[0]).toMatchObject({ fields: { hypothesis: 'Valence was helping' }, label: 'contradiction' });
    const wsc = await loadPresetTask('wsc', { assetsDir: dir });
    expect(wsc.dev[0]).toMatchObject({ fields: { span1: 'anyone', span2: 'him' }, label: 'false' });
    const wic = await loadPresetTask('wic-fewglue', { assetsDir: dir });
    expect(wic.train[0]).toMatchObject({ fields: { word: 'feel', sentence1: 'You make me feel naked.', sentence2: 'She felt small and insignificant.' }, label: 'true' });
    const multirc = await loadPresetTask('multirc', { assetsDir: dir });
    expect(multirc.dev.slice(0, 4).map((e) => [e.fields.answer, e.label, e.group])).toEqual([['No', 'false', '0'], ['Yes', 'true', '0'], ['Less the mass, less the force applied', 'true', '0'], ['It depends on the shape of the baseball', 'false', '0']]);
    expect(multirc.dev[0]!.fields.question).toBe('Would the mass of a baseball affect how much force you have to use to pick it up?');
    expect(new Set(multirc.dev.map((e) => e.group)).size).toBe(953); // questions
  });

  it('splits boolq val deterministically and says so', async () => {
    const a = await loadPresetTask('boolq', { assetsDir: assetsDir() });
    const b = await loadPresetTask('boolq', { assetsDir: assetsDir() });
    expect(a.dev.map((e) => e.origin?.line)).toEqual(b.dev.map((e) => e.origin?.line));
    expect(a.devSource).toMatch(/^10% of .*data\/boolq\/val\.jsonl \(seeded split, seed 0; train is the other 2943 examples\)$/);
    const c = await loadPresetTask('boolq', { assetsDir: assetsDir(), devFraction: 0.2, seed: 5 });
    expect([c.train.length, c.dev.length]).toEqual([2616, 654]);
    const trainLines = new Set(a.train.map((e) => e.origin?.line));
    expect(a.dev.some((e) => trainLines.has(e.origin?.line))).toBe(false);
  });
});

describe('task loading errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ptune-task-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const task = presetTask('rte').task;
  const write = (name: string, contents: string | Uint8Array) => {
    writeFileSync(join(dir, name), contents);
    return join(dir, name);
  };
  const good = (label = 'entailment') => JSON.stringify({ premise: 'p', hypothesis: 'h', label });

  async function failure(run: () => Promise<unknown>): Promise<PtuneError> {
    const error = await run().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PtuneError);
    return error as PtuneError;
  }

  it.each([
    ['missing column', 'missing.jsonl', `${good()}\n${JSON.stringify({ premise: 'p', label: 'entailment' })}\n`, 'missing.jsonl:2: column "hypothesis"'],
    ['unknown label', 'label.jsonl', `${good()}\n${good()}\n${good('maybe')}\n`, 'label.jsonl:3: unknown label "maybe" in column "label"; allowed labels: "entailment", "not_entailment"'],
    ['empty file', 'empty.jsonl', '', 'empty.jsonl:1: the file is empty'],
    ['bad JSON line', 'syntax.jsonl', `${good()}\n${good()}\n${good()}\n{"premise": "p",\n`, 'syntax.jsonl:4: invalid JSON'],
    ['ragged CSV row', 'ragged.csv', 'premise,hypothesis,label\np,h,entailment\n"p, with comma",h\n', 'ragged.csv:3: row has 2 cells, but the header (line 1) has 3 columns'],
    ['missing CSV column', 'cols.csv', 'premise,label\np,entailment\n', 'cols.csv:2: column "hypothesis"'],
  ])('%s: DATA_INVALID naming file and line', async (_, name, contents, message) => {
    const error = await failure(() => loadTaskFiles({ task, train: write(name, contents) }));
    expect(error.code).toBe('DATA_INVALID');
    expect(error.message).toContain(message);
  });

  it('broken UTF-8 (0xff 0xfe on line 3): DATA_INVALID naming file and line', async () => {
    const prefix = new TextEncoder().encode(`${good()}\n${good()}\n{"premise": "`);
    const path = write('broken.jsonl', new Uint8Array([...prefix, 0xff, 0xfe, ...new TextEncoder().encode('", "hypothesis": "h", "label": "entailment"}\n')]));
    const error = await failure(() => loadTaskFiles({ task, train: path }));
    expect(error.code).toBe('DATA_INVALID');
    expect(error.message).toMatch(/broken\.jsonl:3: not valid UTF-8 \(byte 0xff/);
  });

  it('missing user file: DATA_NOT_FOUND naming the path', async () => {
    const error = await failure(() => loadTaskFiles({ task, train: join(dir, 'nope.jsonl') }));
    expect(error.code).toBe('DATA_NOT_FOUND');
    expect(error.message).toContain(join(dir, 'nope.jsonl'));
  });

  it('missing preset file: DATA_NOT_FOUND naming the path and PT_ASSETS_DIR; unknown preset: INVALID_ARGUMENT', async () => {
    const error = await failure(() => loadPresetTask('cb', { assetsDir: dir }));
    expect(error.code).toBe('DATA_NOT_FOUND');
    expect(error.message).toContain(join(dir, 'data/cb/train.jsonl'));
    expect(error.message).toContain('PT_ASSETS_DIR');
    const unknown = await failure(() => loadPresetTask('mnli', { assetsDir: dir }));
    expect(unknown.code).toBe('INVALID_ARGUMENT');
    expect(unknown.message).toContain('sst2, rte, cb');
  });

  it('loads user CSV files with a mapping, a dev file or a seeded split', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `"premise ${i}, quoted",h${i},${i % 2 ? 'yes' : 'no'}`);
    const train = write('user.csv', `\ufeffp,h,y\r\n${rows.join('\r\n')}\r\n`);
    const mapping = { fields: { premise: 'p', hypothesis: 'h' }, label: 'y', labelMap: { yes: 'entailment', no: 'not_entailment' } };
    const split = await loadTaskFiles({ task, train, mapping, devFraction: 0.25, seed: 3 });
    expect([split.train.length, split.dev.length]).toEqual([15, 5]);
    expect(split.devSource).toBe(`25% of ${train} (seeded split, seed 3; train is the other 15 examples)`);
    expect(split.train.concat(split.dev).find((e) => e.origin?.line === 2)).toEqual({
      fields: { premise: 'premise 0, quoted', hypothesis: 'h0' },
      label: 'not_entailment',
      origin: { file: train, line: 2 },
    });
    const dev = write('dev.tsv', 'p\th\ty\nx\ty\tyes\n');
    const withDev = await loadTaskFiles({ task, train, dev, mapping });
    expect([withDev.train.length, withDev.dev.length, withDev.devSource]).toEqual([20, 1, dev]);
  });
});
