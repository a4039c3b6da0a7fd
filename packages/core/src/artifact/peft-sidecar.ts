import { PtuneError } from '../errors.js';
import { validateManifest, type PromptManifest } from './manifest.js';

/**
 * What PEFT's files cannot carry travels beside them: `ptune_task.json` (the artifact's manifest:
 * the task with template and verbalizer, validated by the task schema, the model fingerprint, the
 * exact init, training and metrics) and a README.md model card. `ptune import --peft DIR` reads the
 * sidecar back, so no task file is needed.
 */
export const PEFT_SIDECAR_FILE = 'ptune_task.json';
export const PEFT_MODEL_CARD_FILE = 'README.md';

/** The sidecar's bytes for a manifest. */
export function encodePeftSidecar(manifest: PromptManifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}

/** The manifest in a PEFT folder's `ptune_task.json`, or null without one; ARTIFACT_INVALID when it is broken. */
export function readPeftSidecar(files: ReadonlyMap<string, Uint8Array>, source: string): PromptManifest | null {
  const bytes = files.get(PEFT_SIDECAR_FILE);
  if (!bytes) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new PtuneError('ARTIFACT_INVALID', `${source}/${PEFT_SIDECAR_FILE} is not valid JSON (${(error as Error).message})`);
  }
  return validateManifest(value, `${source}/${PEFT_SIDECAR_FILE}`);
}

const INIT_TEXT: Readonly<Record<string, string>> = {
  random: 'uniform random values',
  'sampled-vocab': 'embeddings of tokens sampled from the most common vocabulary',
  'class-label': "embeddings of the task's label texts (multi-token labels averaged), then sampled vocabulary (PEFT has no class-label init: adapter_config.json says SAMPLE_VOCAB)",
  text: 'the token embeddings of a text',
  from: 'another prompt',
};

/** A Hugging Face model card (README.md with YAML front matter) for an exported prompt. */
export function peftModelCard(manifest: PromptManifest, baseModel: string): string {
  const task = manifest.task;
  const lines = [
    '---',
    `base_model: ${baseModel}`,
    'library_name: peft',
    'tags:',
    '- ptune',
    '- prompt-tuning',
    '---',
    '',
    `# ${task.name} (soft prompt for ${baseModel})`,
    '',
    `A prompt-tuning adapter trained with ptune: ${manifest.promptLength} soft tokens of dimension ${manifest.dModel} in front of the input of the frozen model \`${baseModel}\` (ptune model \`${manifest.baseModel}\`, fingerprint \`${manifest.fingerprint}\`).`,
    '',
    '## Task',
    '',
    `- id: \`${task.id}\`, kind: ${task.kind}`,
  ];
  if (task.kind !== 'language-modeling') lines.push(`- template: \`${JSON.stringify(task.template)}\``);
  if (task.kind === 'classification') {
    for (const [label, text] of Object.entries(task.verbalizer)) lines.push(`- label \`${label}\`${task.labelNames?.[label] ? ` (${task.labelNames[label]})` : ''} -> ${JSON.stringify(text)}`);
  }
  if (task.kind === 'multiple-choice') lines.push(`- candidates: \`${JSON.stringify(task.candidates)}\` (the label is the index of the correct one)`);
  lines.push('', `The whole task (template, verbalizer, wording) is in \`${PEFT_SIDECAR_FILE}\`; \`ptune import --peft DIR\` reads it back.`, '', '## Training', '');
  lines.push(`- init: ${manifest.init.method}: ${INIT_TEXT[manifest.init.method] ?? manifest.init.method}${manifest.init.seed === undefined ? '' : `, seed ${manifest.init.seed}`}`);
  const training = manifest.training ?? {};
  for (const key of ['optimizer', 'learningRate', 'steps', 'batchSize', 'seed'] as const) if (training[key] !== undefined) lines.push(`- ${key}: ${String(training[key])}`);
  const selection = training.selection as { select?: string; keptStep?: number; reason?: string } | undefined;
  if (selection?.select) lines.push(`- selection: ${selection.select}${selection.reason ? ` (${selection.reason})` : ''}`);
  if (manifest.metrics) lines.push(`- metrics: ${Object.entries(manifest.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
  lines.push(
    '',
    '## Use',
    '',
    '```python',
    'from peft import AutoPeftModelForCausalLM' + (manifest.architecture === 't5' ? ', AutoPeftModelForSeq2SeqLM' : ''),
    `model = ${manifest.architecture === 't5' ? 'AutoPeftModelForSeq2SeqLM' : 'AutoPeftModelForCausalLM'}.from_pretrained("path/to/this/folder")`,
    '```',
    '',
  );
  if (manifest.baseModel === 'stories260K') {
    lines.push('`karpathy/tinyllamas` holds stories260K in llama2.c format (folder `stories260K`); `ptune convert --model stories260K --out DIR` writes the Hugging Face layout `transformers` loads: upload it and export with `--base-model YOUR/REPO`.', '');
  }
  return lines.join('\n');
}
