import { PtuneError } from '../errors.js';
import type { ColumnMapping } from './column-mapping.js';
import type { RecordLayout } from './flatten-multirc.js';
import type { TaskConfig } from './task-config.js';

/**
 * Built-in tasks over the data in the assets folder (`$PT_ASSETS_DIR`): GLUE SST-2, SuperGLUE
 * RTE/CB/BoolQ/WiC/WSC/MultiRC, and FewGLUE 32-shot variants (`<task>-fewglue`: 32 train examples,
 * `dev32.jsonl` as dev, the full SuperGLUE validation set as `val`). Prompts are decoder-LM style,
 * ending in "\nAnswer:", so every verbalizer string starts with a space. `record-fewglue` (ReCoRD,
 * FewGLUE 32-shot) is multiple choice: each query's candidates are its passage's entities.
 */
export const PRESET_TASK_IDS = [
  'sst2',
  'rte',
  'cb',
  'boolq',
  'wic',
  'wsc',
  'multirc',
  'rte-fewglue',
  'cb-fewglue',
  'boolq-fewglue',
  'wic-fewglue',
  'wsc-fewglue',
  'multirc-fewglue',
  'record-fewglue',
] as const;

export type PresetTaskId = (typeof PRESET_TASK_IDS)[number];

/** Data files of a preset: '/'-separated paths relative to the assets folder. */
export interface PresetFiles {
  readonly train: string;
  /** Absent: dev is a seeded split of train (BoolQ, whose only labelled file here is val.jsonl). */
  readonly dev?: string;
  /** Extra evaluation split (`--split val`): the full official validation set where it is not train's source. */
  readonly val?: string;
}

export interface PresetTask {
  readonly task: TaskConfig;
  readonly files: PresetFiles;
  readonly mapping: ColumnMapping;
  readonly layout: RecordLayout;
}

const NO_YES = { false: ' no', true: ' yes' } as const;
const YES_NO_QUESTION = 'Yes or no?\nAnswer:';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Base = Omit<PresetTask, 'files' | 'task'> & { readonly task: DistributiveOmit<Exclude<TaskConfig, { kind: 'language-modeling' }>, 'id'> };

const same = (...names: string[]) => Object.fromEntries(names.map((n) => [n, n]));

const BASES: Readonly<Record<string, Base>> = {
  sst2: {
    task: {
      kind: 'classification',
      name: 'SST-2 sentiment (GLUE)',
      template: '{sentence}\nQuestion: Is this review positive or negative?\nAnswer:',
      verbalizer: { '0': ' negative', '1': ' positive' },
      labelNames: { '0': 'negative', '1': 'positive' },
      truncate: ['sentence'],
    },
    mapping: { fields: same('sentence'), label: 'label' },
    layout: 'flat',
  },
  rte: {
    task: {
      kind: 'classification',
      name: 'RTE textual entailment (SuperGLUE)',
      template: `{premise}\nQuestion: Does this mean that "{hypothesis}" is true? ${YES_NO_QUESTION}`,
      verbalizer: { entailment: ' yes', not_entailment: ' no' },
      truncate: ['premise'],
    },
    mapping: { fields: same('premise', 'hypothesis'), label: 'label' },
    layout: 'flat',
  },
  cb: {
    task: {
      kind: 'classification',
      name: 'CommitmentBank (SuperGLUE)',
      template: '{premise}\nQuestion: Does this mean that "{hypothesis}" is true? Yes, no, or maybe?\nAnswer:',
      verbalizer: { entailment: ' yes', contradiction: ' no', neutral: ' maybe' },
      truncate: ['premise'],
      metric: 'mean-accuracy-macro-f1',
    },
    mapping: { fields: same('premise', 'hypothesis'), label: 'label' },
    layout: 'flat',
  },
  boolq: {
    task: {
      kind: 'classification',
      name: 'BoolQ yes/no questions (SuperGLUE)',
      template: '{passage}\nQuestion: {question}?\nAnswer:',
      verbalizer: NO_YES,
      truncate: ['passage'],
    },
    mapping: { fields: same('passage', 'question'), label: 'label' },
    layout: 'flat',
  },
  wic: {
    task: {
      kind: 'classification',
      name: 'WiC word in context (SuperGLUE)',
      template: `Sentence 1: {sentence1}\nSentence 2: {sentence2}\nQuestion: Is the word "{word}" used with the same meaning in both sentences? ${YES_NO_QUESTION}`,
      verbalizer: NO_YES,
      truncate: ['sentence1', 'sentence2'],
    },
    mapping: { fields: same('word', 'sentence1', 'sentence2'), label: 'label' },
    layout: 'flat',
  },
  wsc: {
    task: {
      kind: 'classification',
      name: 'WSC coreference (SuperGLUE)',
      template: `{text}\nQuestion: In the passage above, does the pronoun "{span2}" refer to "{span1}"? ${YES_NO_QUESTION}`,
      verbalizer: NO_YES,
      truncate: ['text'],
    },
    mapping: { fields: { text: 'text', span1: 'target.span1_text', span2: 'target.span2_text' }, label: 'label' },
    layout: 'flat',
  },
  multirc: {
    task: {
      kind: 'classification',
      name: 'MultiRC multi-sentence reading comprehension (SuperGLUE), one example per answer',
      template: `{paragraph}\nQuestion: {question}\nIs the answer "{answer}" correct? ${YES_NO_QUESTION}`,
      verbalizer: NO_YES,
      labelNames: { false: 'incorrect answer', true: 'correct answer' },
      truncate: ['paragraph'],
      metric: 'f1', // F1a: binary F1 over all answer options
      positiveLabel: 'true',
    },
    // flattenMultiRc yields { paragraph, question, answer, label: 0 | 1, group: question idx }.
    mapping: { fields: same('paragraph', 'question', 'answer'), label: 'label', group: 'group', labelMap: { '0': 'false', '1': 'true' } },
    layout: 'multirc',
  },
  record: {
    task: {
      kind: 'multiple-choice',
      name: 'ReCoRD reading comprehension with commonsense (SuperGLUE), entity candidates',
      template: '{passage}\nQuery: {query}\nQuestion: Who or what is "@placeholder"?\nAnswer:',
      candidates: { field: 'entities' },
      truncate: ['passage'],
    },
    // flattenRecord yields { passage, query, entities, label: index of the answer, group: query idx }.
    mapping: { fields: same('passage', 'query', 'entities'), label: 'label', group: 'group' },
    layout: 'record',
  },
};

const FEWGLUE_DIRS: Readonly<Record<string, string>> = { rte: 'RTE', cb: 'CB', boolq: 'BoolQ', wic: 'WiC', wsc: 'WSC', multirc: 'MultiRC', record: 'ReCoRD' };

function filesFor(id: string): PresetFiles {
  if (id === 'sst2') return { train: 'data/sst2/train.tsv', dev: 'data/sst2/dev.tsv', val: 'data/sst2/dev.tsv' };
  // BoolQ ships only its validation file here: train and dev are a seeded split of it, so no `val`.
  if (id === 'boolq') return { train: 'data/boolq/val.jsonl' };
  const fewglue = /^(.*)-fewglue$/.exec(id)?.[1];
  if (fewglue) {
    const dir = `data/fewglue_32dev/${FEWGLUE_DIRS[fewglue]}`;
    // The assets hold no full ReCoRD validation set: record-fewglue has train and dev32 only.
    return { train: `${dir}/train.jsonl`, dev: `${dir}/dev32.jsonl`, ...(fewglue === 'record' ? {} : { val: `data/${fewglue}/val.jsonl` }) };
  }
  return { train: `data/${id}/train.jsonl`, dev: `data/${id}/val.jsonl`, val: `data/${id}/val.jsonl` };
}

/** Whether `id` names a preset. */
export function isPresetTaskId(id: string): id is PresetTaskId {
  return (PRESET_TASK_IDS as readonly string[]).includes(id);
}

/** The preset `id` (task config, files, column mapping); INVALID_ARGUMENT listing the ids when unknown. */
export function presetTask(id: string): PresetTask {
  if (!isPresetTaskId(id)) {
    throw new PtuneError('INVALID_ARGUMENT', `unknown task preset "${id}"; expected one of ${PRESET_TASK_IDS.join(', ')}`);
  }
  const baseId = id.replace(/-fewglue$/, '');
  const base = BASES[baseId]!;
  const name = id === baseId ? base.task.name : `${base.task.name}, FewGLUE 32-shot`;
  return { ...base, task: { ...base.task, id, name } as TaskConfig, files: filesFor(id) };
}
