import { describe, expect, it } from 'vitest';
import { formatTaskIssues } from './task-issue.js';
import { validateTaskConfig, validateTaskFile } from './validate-task.js';

const sst2 = { id: 'sst2', name: 'SST-2', kind: 'classification', template: '{sentence}\nAnswer:', verbalizer: { '0': ' negative', '1': ' positive' } };

function issuesOf(result: ReturnType<typeof validateTaskFile> | ReturnType<typeof validateTaskConfig>) {
  if (result.ok) throw new Error('expected issues');
  return result.issues;
}

describe('validateTaskConfig', () => {
  it('accepts each kind and returns the parsed task', () => {
    for (const task of [
      sst2,
      { ...sst2, labelNames: { '0': 'negative', '1': 'positive' }, metric: 'f1', positiveLabel: '1', truncate: ['sentence'] },
      { id: 'copa', name: 'COPA', kind: 'multiple-choice', template: '{premise} {question}', candidates: [' {choice1}', ' {choice2}'], wording: { question: { cause: 'because', effect: 'so' } } },
      { id: 'record', name: 'ReCoRD', kind: 'multiple-choice', template: '{passage}\n{query}', candidates: { field: 'entities' } },
      { id: 'qa', name: 'QA', kind: 'generation', template: 'Q: {question}\nA:', maxNewTokens: 16 },
      { id: 'lm', name: 'LM', kind: 'language-modeling' },
    ]) {
      const result = validateTaskConfig(task);
      expect(result, JSON.stringify(task)).toEqual({ ok: true, value: task });
    }
  });

  it('reports a misspelled key with "did you mean", and the required key it replaces', () => {
    const { verbalizer, ...rest } = sst2;
    const issues = issuesOf(validateTaskConfig({ ...rest, verbaliser: verbalizer }, ['task']));
    expect(issues).toContainEqual({ path: 'task.verbaliser', expected: expect.stringContaining('one of the keys kind, id, name, template'), got: 'unknown key "verbaliser"', suggestion: 'verbalizer' });
    expect(issues).toContainEqual({ path: 'task.verbalizer', expected: 'an object', got: 'nothing (missing)' });
  });

  it('maps a synonym such as "labels" to the key the schema uses', () => {
    const { verbalizer, ...rest } = sst2;
    const issues = issuesOf(validateTaskConfig({ ...rest, labels: verbalizer }));
    expect(issues.find((i) => i.path === 'labels')?.suggestion).toBe('verbalizer');
  });

  it('lists the valid kinds for a wrong kind, and still reports a missing name', () => {
    const { name: _name, ...rest } = sst2;
    const issues = issuesOf(validateTaskConfig({ ...rest, kind: 'clasification' }));
    expect(issues).toEqual([
      { path: 'kind', expected: 'one of "classification", "multiple-choice", "generation", "language-modeling"', got: '"clasification"', suggestion: 'classification' },
      { path: 'name', expected: 'a string', got: 'nothing (missing)' },
    ]);
  });

  it('reports every semantic problem at once', () => {
    const issues = issuesOf(
      validateTaskConfig({ ...sst2, template: 'no fields here', truncate: ['sentense'], verbalizer: { a: ' x', b: ' x' }, labelNames: { c: 'see' }, metric: 'f1' }),
    );
    expect(issues.map((i) => i.path)).toEqual(['template', 'truncate[0]', 'verbalizer.b', 'labelNames.c', 'positiveLabel']);
    expect(issues[2]).toMatchObject({ expected: 'a text no other label has', got: '" x" (also label "a")' });
  });

  it('checks multiple-choice candidates and wording fields', () => {
    const issues = issuesOf(
      validateTaskConfig({ id: 'copa', name: 'COPA', kind: 'multiple-choice', template: '{premise}', candidates: [' {choice1}'], wording: { questoin: { cause: 'because' } } }),
    );
    expect(issues).toContainEqual({ path: 'candidates', expected: 'a list of at least 2 items', got: 'an array [" {choice1}"]' });
    expect(issues).toContainEqual(expect.objectContaining({ path: 'wording.questoin', expected: 'a field the templates use (premise, choice1)' }));
  });

  it('refuses bad ids and non-positive maxNewTokens with what was expected', () => {
    const issues = issuesOf(validateTaskConfig({ id: 'my task', name: 'x', kind: 'generation', template: '{q}', maxNewTokens: 0 }));
    expect(issues).toEqual([
      { path: 'id', expected: "letters, digits, '.', '_' or '-', starting with a letter or digit", got: '"my task"' },
      { path: 'maxNewTokens', expected: 'a number >= 1', got: '0' },
    ]);
  });
});

describe('validateTaskFile', () => {
  it('accepts a file with $schema, data paths and a mapping', () => {
    const file = { $schema: './task.schema.json', task: sst2, train: 'train.csv', dev: 'dev.csv', mapping: { fields: { sentence: 'text' }, label: 'label' } };
    expect(validateTaskFile(file)).toEqual({ ok: true, value: file });
  });

  it('reports file-level and task-level problems together, in one message', () => {
    const { name: _name, ...task } = sst2;
    const result = validateTaskFile({ task: { ...task, verbaliser: {} }, trian: 'train.csv', mapping: { feilds: {} } });
    const issues = issuesOf(result);
    expect(issues.map((i) => `${i.path}${i.suggestion ? ` -> ${i.suggestion}` : ''}`).sort()).toEqual(
      ['mapping.feilds -> fields', 'mapping.fields', 'task.name', 'task.verbaliser -> verbalizer', 'train', 'trian -> train'].sort(),
    );
    const message = formatTaskIssues(issues, 'task.json');
    expect(message.split('\n')[0]).toBe(`task.json: ${issues.length} problems in the task:`);
    expect(message).toContain('  - trian: expected one of the keys $schema, task, train, dev, val, mapping, format, layout, devFraction, got unknown key "trian" (did you mean "train"?)');
  });

  it('reports a non-object task file', () => {
    expect(issuesOf(validateTaskFile([1]))).toEqual([{ path: '(the document)', expected: 'an object', got: 'an array [1]' }]);
  });
});
