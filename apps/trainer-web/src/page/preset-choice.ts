import { PRESET_TASK_IDS, isPresetTaskId, presetTask, templateFields, type PresetTask, type PresetTaskId } from '@ptune/core/task';
import { el } from './dom.js';

/**
 * The core's preset tasks in the data step. The browser has no assets folder, so a preset fills the
 * task definition (template, verbalizer, column mapping, kind) from `presetTask` and asks for the
 * same files `ptune train --task <id>` reads from `$PT_ASSETS_DIR`.
 */
export interface PresetChoice {
  readonly id: PresetTaskId;
  readonly preset: PresetTask;
}

/** "none" plus every preset, named as the core names it. */
export function fillPresetOptions(select: HTMLSelectElement): void {
  select.replaceChildren(
    el('option', { value: '', text: 'none: my own data' }),
    ...PRESET_TASK_IDS.map((id) => el('option', { value: id, text: `${id}: ${presetTask(id).task.name}` })),
  );
}

export function presetChoice(value: string | undefined): PresetChoice | null {
  return value !== undefined && isPresetTaskId(value) ? { id: value, preset: presetTask(value) } : null;
}

/** What to upload: the preset's files, as paths under the assets folder. */
export function describePreset({ id, preset }: PresetChoice): string {
  const { task, files } = preset;
  const labels =
    task.kind === 'classification'
      ? Object.entries(task.verbalizer).map(([label, text]) => `${label}${task.labelNames?.[label] ? ` (${task.labelNames[label]})` : ''} → "${text}"`).join(', ')
      : task.kind === 'multiple-choice'
        ? `candidates ${JSON.stringify(task.candidates)}`
        : task.kind;
  const dev = files.dev ? ` and, as the dev file, ${files.dev}` : ' (no dev file: dev is a seeded split of it)';
  return `${task.name}: a ${task.kind} task (${labels}). Choose, as the training file, ${files.train}${dev}: the files "ptune train --task ${id}" reads from the assets folder ($PT_ASSETS_DIR).`;
}

/** Columns the preset maps, shown before a file brings its own. */
export function presetColumns({ preset }: PresetChoice): string[] {
  const { fields, label } = preset.mapping;
  return [...new Set([...Object.values(fields), ...(label === undefined ? [] : [label])])];
}

/** The preset's truncation order, kept to the fields the (possibly edited) template still uses. */
export function presetTruncate({ preset }: PresetChoice, template: string): string[] | undefined {
  const fields = templateFields(template);
  const truncate = preset.task.kind === 'language-modeling' ? [] : (preset.task.truncate ?? []);
  const kept = truncate.filter((field) => fields.includes(field));
  return kept.length > 0 ? kept : undefined;
}
