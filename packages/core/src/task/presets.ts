import { PtuneError } from '../errors.js';
import type { ColumnMapping } from './column-mapping.js';
import type { RecordLayout } from './flatten-multirc.js';
import type { ClassificationTaskConfig } from './task-config.js';

/**
 * Built-in tasks over the data in the assets folder (`$PT_ASSETS_DIR`): GLUE SST-2, SuperGLUE
 * RTE/CB/BoolQ/WiC/WSC/MultiRC, and FewGLUE 32-shot variants (`<task>-fewglue`: 32 train examples,
 * `dev32.jsonl` as dev, the full SuperGLUE validation set as `val`). Prompts are decoder-LM style,
 * ending in "\nAnswer:", so every verbalizer string starts with a space.
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
  readonly task: ClassificationTaskConfig;
  readonly files: PresetFiles;
  readonly mapping: ColumnMapping;
  readonly layout: RecordLayout;
}

const NO_YES = { false: ' no', true: ' yes' } as const;
const YES_NO_QUESTION = 'Yes or no?\nAnswer:';

type Base = Omit<PresetTask, 'files' | 'task'> & { readonly task: Omit<ClassificationTaskConfig, 'id'> };

const same = (...names: string[]) => Object.fromEntries(names.map((n) => [n, n]));

const BASES: Readonly<Record<string, Base>> = {
  sst2: {
    task: {
      kind: 'classification',
      name: 'SST-2 sentiment (GLUE)',
      template: '{sentence}\nQuestion: Is this review positive or negative?\nAnswer:',
      verbalizer: { '0': ' negative', '1': ' positive' },
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
      truncate: ['paragraph'],
    },
    // flattenMultiRc yields { paragraph, question, answer, label: 0 | 1, group: question idx }.
    mapping: { fields: same('paragraph', 'question', 'answer'), label: 'label', group: 'group', labelMap: { '0': 'false', '1': 'true' } },
    layout: 'multirc',
  },
};

const FEWGLUE_DIRS: Readonly<Record<string, string>> = { rte: 'RTE', cb: 'CB', boolq: 'BoolQ', wic: 'WiC', wsc: 'WSC', multirc: 'MultiRC' };

function filesFor(id: string): PresetFiles {
  if (id === 'sst2') return { train: 'data/sst2/train.tsv', dev: 'data/sst2/dev.tsv', val: 'data/sst2/dev.tsv' };
  // BoolQ ships only its validation file here: train and dev are a seeded split of it, so no `val`.
  if (id === 'boolq') return { train: 'data/boolq/val.jsonl' };
  const fewglue = /^(.*)-fewglue$/.exec(id)?.[1];
  if (fewglue) {
    const dir = `data/fewglue_32dev/${FEWGLUE_DIRS[fewglue]}`;
    return { train: `${dir}/train.jsonl`, dev: `${dir}/dev32.jsonl`, val: `data/${fewglue}/val.jsonl` };
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
  return { ...base, task: { ...base.task, id, name }, files: filesFor(id) };
}
