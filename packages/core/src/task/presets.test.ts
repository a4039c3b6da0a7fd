import { describe, expect, it } from 'vitest';
import { flattenMultiRc } from './flatten-multirc.js';
import { PRESET_TASK_IDS, presetTask } from './presets.js';
import { buildTaskData } from './task-data.js';
import { resolveTaskConfig, templateFields } from './task-config.js';

describe('presetTask', () => {
  it.each(PRESET_TASK_IDS)('%s is a valid task (classification: a space-led verbalizer)', (id) => {
    const { task, files, mapping } = presetTask(id);
    expect(resolveTaskConfig(task)).toEqual(task);
    expect(task.id).toBe(id);
    if (task.kind === 'language-modeling') throw new Error('no language-modeling presets');
    expect(task.template.endsWith('\nAnswer:')).toBe(true);
    if (task.kind === 'classification') for (const value of Object.values(task.verbalizer)) expect(value).toMatch(/^ \S/);
    expect(task.truncate?.length).toBeGreaterThan(0);
    const listField = task.kind === 'multiple-choice' && !Array.isArray(task.candidates) ? [(task.candidates as { field: string }).field] : [];
    expect(Object.keys(mapping.fields).sort()).toEqual([...templateFields(task.template), ...listField].sort());
    expect(files.train).toMatch(/^data\//);
  });

  it('uses the documented verbalizers and files', () => {
    const verbalizer = (id: Parameters<typeof presetTask>[0]) => {
      const { task } = presetTask(id);
      return task.kind === 'classification' ? task.verbalizer : null;
    };
    expect(verbalizer('sst2')).toEqual({ '0': ' negative', '1': ' positive' });
    expect(verbalizer('rte')).toEqual({ entailment: ' yes', not_entailment: ' no' });
    expect(verbalizer('cb-fewglue')).toEqual({ entailment: ' yes', contradiction: ' no', neutral: ' maybe' });
    for (const id of ['boolq', 'wic', 'wsc', 'multirc'] as const) expect(verbalizer(id)).toEqual({ false: ' no', true: ' yes' });
    expect(presetTask('boolq').files).toEqual({ train: 'data/boolq/val.jsonl' });
    expect(presetTask('wsc-fewglue').files).toEqual({ train: 'data/fewglue_32dev/WSC/train.jsonl', dev: 'data/fewglue_32dev/WSC/dev32.jsonl', val: 'data/wsc/val.jsonl' });
    expect(presetTask('wsc').mapping.fields).toEqual({ text: 'text', span1: 'target.span1_text', span2: 'target.span2_text' });
  });

  it('lists the ids for an unknown one', () => {
    expect(() => presetTask('mnli')).toThrow(/unknown task preset "mnli"; expected one of sst2, rte, cb, boolq, wic, wsc, multirc, rte-fewglue/);
  });
});

describe('flattenMultiRc', () => {
  const passage = { text: 'P', questions: [{ idx: 7, question: 'Q1', answers: [{ text: 'a', label: 1 }, { text: 'b', label: 0 }] }, { idx: 8, question: 'Q2', answers: [{ text: 'c', label: 0 }] }] };

  it('yields one record per answer grouped by question idx', () => {
    expect(flattenMultiRc([{ record: { idx: 0, passage }, line: 4 }], 'm.jsonl')).toEqual([
      { record: { paragraph: 'P', question: 'Q1', answer: 'a', label: 1, group: '7' }, line: 4 },
      { record: { paragraph: 'P', question: 'Q1', answer: 'b', label: 0, group: '7' }, line: 4 },
      { record: { paragraph: 'P', question: 'Q2', answer: 'c', label: 0, group: '8' }, line: 4 },
    ]);
  });

  it('names file, line and the bad path', () => {
    expect(() => flattenMultiRc([{ record: { passage: { text: 'P', questions: [{ question: 'Q', answers: 3 }] } }, line: 2 }], 'm.jsonl')).toThrow(
      'm.jsonl:2: column "passage.questions[0].answers" must be an array, got number',
    );
  });

  it('feeds the multirc preset through buildTaskData from in-memory text (the web path)', () => {
    const { task, mapping, layout } = presetTask('multirc');
    const line = JSON.stringify({ idx: 0, passage });
    const data = buildTaskData({ task, mapping, layout, format: 'jsonl', train: { contents: `${line}\n${line}\n`, source: 'train.jsonl' }, dev: { contents: line, source: 'val.jsonl' } });
    expect(data.train).toHaveLength(6);
    expect(data.dev.map((e) => [e.label, e.group])).toEqual([['true', '7'], ['false', '7'], ['false', '8']]);
    expect(data.devSource).toBe('val.jsonl');
  });
});
