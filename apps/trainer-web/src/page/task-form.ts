import { formatTaskIssues, validateTaskConfig } from '@ptune/contracts';
import { taskFields, type ClassificationTaskConfig, type MultipleChoiceTaskConfig } from '@ptune/core/task';
import { byId, el, input } from './dom.js';

export type FormTask = ClassificationTaskConfig | MultipleChoiceTaskConfig;
export type FormKind = FormTask['kind'];

/**
 * The task-definition part of the data step: kind, template, the verbalizer with label names
 * (classification) or the candidate templates (multiple choice). The task it builds is checked by
 * the shared task schema (`@ptune/contracts`), the one the CLI and the edge API use: nothing is
 * re-validated here.
 */
export class TaskForm {
  /** A preset's candidate list field (ReCoRD's entities), which the form cannot edit. */
  private listCandidates: { readonly field: string } | null = null;

  constructor(onChange: () => void) {
    byId('task-kind').addEventListener('change', () => {
      this.showKind();
      onChange();
    });
    byId('candidates').addEventListener('input', onChange);
  }

  kind(): FormKind {
    return byId<HTMLSelectElement>('task-kind').value as FormKind;
  }

  /** Shows the verbalizer (classification) or the candidates (multiple choice). */
  showKind(): void {
    const multipleChoice = this.kind() === 'multiple-choice';
    byId('verbalizer').hidden = multipleChoice;
    byId('candidates-set').hidden = !multipleChoice;
  }

  /** Fills the form from a task (a preset or a saved run). */
  fill(task: FormTask): void {
    byId<HTMLSelectElement>('task-kind').value = task.kind;
    byId<HTMLTextAreaElement>('template').value = task.template;
    if (task.kind === 'multiple-choice') {
      const list = Array.isArray(task.candidates) ? null : (task.candidates as { readonly field: string });
      this.listCandidates = list;
      const area = byId<HTMLTextAreaElement>('candidates');
      area.value = list ? `(each row's list column "${list.field}")` : (task.candidates as readonly string[]).join('\n');
      area.disabled = list !== null;
    } else this.clearList();
    this.showKind();
  }

  clearList(): void {
    this.listCandidates = null;
    byId<HTMLTextAreaElement>('candidates').disabled = false;
  }

  /** The candidates as the task schema wants them. */
  private candidates(): MultipleChoiceTaskConfig['candidates'] {
    if (this.listCandidates) return this.listCandidates;
    return byId<HTMLTextAreaElement>('candidates').value.split('\n').filter((line) => line.trim() !== '');
  }

  /** The fields the task reads from each row (template and candidate templates; a candidate list field too). */
  fieldNames(): string[] {
    const task = this.draft();
    return [...taskFields(task), ...(this.listCandidates ? [this.listCandidates.field] : [])];
  }

  /** Label rows: label -> [text, name] inputs; `values` are the label column's distinct values. */
  renderLabels(values: readonly string[], given: FormTask | null): void {
    const verbalizer: Readonly<Record<string, string>> = given?.kind === 'classification' ? given.verbalizer : {};
    const names: Readonly<Record<string, string>> = (given?.kind === 'classification' && given.labelNames) || {};
    byId('verbalizer-rows').replaceChildren(
      ...values.map((value, i) =>
        el(
          'div',
          { class: 'label-row' },
          el('label', {}, `Label "${value}" →`, el('input', { id: `verbalizer-${i}`, 'data-label': value, value: verbalizer[value] ?? ` ${value}`, autocomplete: 'off' })),
          el('label', {}, 'meaning', el('input', { id: `label-name-${i}`, 'data-label': value, value: names[value] ?? '', placeholder: value, autocomplete: 'off' })),
        ),
      ),
    );
  }

  /** The task as typed (not validated). */
  draft(extra: { id?: string; name?: string; truncate?: readonly string[] } = {}): FormTask {
    const id = extra.id ?? input('task-id').value.trim();
    const base = { id, name: extra.name ?? (input('task-name').value.trim() || id), template: byId<HTMLTextAreaElement>('template').value, ...(extra.truncate ? { truncate: extra.truncate } : {}) };
    if (this.kind() === 'multiple-choice') return { ...base, kind: 'multiple-choice', candidates: this.candidates() };
    const pairs = (selector: string) => [...byId('verbalizer-rows').querySelectorAll<HTMLInputElement>(selector)].map((field) => [field.dataset.label!, field.value] as const);
    const labelNames = Object.fromEntries(pairs('input[id^="label-name-"]').filter(([, name]) => name.trim() !== ''));
    return { ...base, kind: 'classification', verbalizer: Object.fromEntries(pairs('input[id^="verbalizer-"]')), ...(Object.keys(labelNames).length > 0 ? { labelNames } : {}) };
  }

  /** The task, validated by the shared schema; throws listing every problem. */
  task(extra: { truncate?: readonly string[] } = {}): FormTask {
    const draft = this.draft(extra);
    const result = validateTaskConfig(draft);
    if (!result.ok) throw new Error(formatTaskIssues(result.issues, 'the task definition'));
    return result.value as FormTask;
  }
}
