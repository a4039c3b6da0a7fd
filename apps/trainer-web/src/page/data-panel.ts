import { buildTaskData, columnValue, flattenMultiRc, flattenRecord, parseRecords, type LoadedTaskData, type SourceRecord } from '@ptune/core/task';
import type { DataFile, DataPreview, DataSpec } from '../protocol.js';
import { byId, el, input, numberValue, showError, table } from './dom.js';
import { describePreset, fillPresetOptions, presetChoice, presetColumns, presetTruncate, type PresetChoice } from './preset-choice.js';
import { TaskForm, type FormTask } from './task-form.js';
import type { WorkerClient } from './worker-client.js';

/** More distinct values than this in the label column: it is probably not a label column. */
const MAX_LABELS = 20;
const DEFAULT_TEMPLATE = '{text}\nAnswer:';

async function readFile(file: File): Promise<DataFile> {
  return { name: file.name, contents: new Uint8Array(await file.arrayBuffer()) };
}

/** Top-level columns, and one level into nested JSON objects ("passage.text"). */
function columnsOf(records: readonly SourceRecord[]): string[] {
  const columns = new Set<string>();
  for (const { record } of records.slice(0, 50)) {
    for (const [key, value] of Object.entries(record)) {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.keys(value).forEach((inner) => columns.add(`${key}.${inner}`));
      else columns.add(key);
    }
  }
  return [...columns];
}

/** Parses the uploaded file(s) with the core's loader, as the worker will. */
function loadLocally(spec: DataSpec): LoadedTaskData {
  const file = (f: DataFile) => ({ contents: f.contents, source: f.name });
  return buildTaskData({ task: spec.task, mapping: spec.mapping, ...(spec.layout ? { layout: spec.layout } : {}), train: file(spec.train), ...(spec.dev ? { dev: file(spec.dev) } : {}), devFraction: spec.devFraction, seed: spec.splitSeed });
}

function options(select: HTMLSelectElement, values: readonly string[], chosen: string | undefined): void {
  select.replaceChildren(...values.map((v) => el('option', { value: v, text: v })));
  if (chosen !== undefined && values.includes(chosen)) select.value = chosen;
}

/** Step 2: the data file, column mapping, template, verbalizer, split and the tokenised preview. */
export class DataPanel {
  private train: DataFile | null = null;
  private dev: DataFile | null = null;
  private records: SourceRecord[] = [];
  private columns: string[] = [];
  private preset: PresetChoice | null = null;
  private readonly fieldListeners = new Set<(fields: string[]) => void>();
  private readonly form = new TaskForm(() => this.renderMapping());

  constructor(private readonly client: WorkerClient, private readonly promptLength: () => number, private readonly modelLoaded: () => boolean) {
    input('train-file').addEventListener('change', () => void this.pickTrain(input('train-file').files?.[0]));
    input('dev-file').addEventListener('change', async () => {
      const file = input('dev-file').files?.[0];
      this.dev = file ? await readFile(file) : null;
      if (this.preset) this.checkFiles();
    });
    fillPresetOptions(byId<HTMLSelectElement>('task-preset'));
    byId('task-preset').addEventListener('change', () => this.choosePreset(byId<HTMLSelectElement>('task-preset').value));
    const drop = byId('data-drop');
    drop.addEventListener('dragover', (event) => (event.preventDefault(), drop.classList.add('over')));
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (event) => {
      event.preventDefault();
      drop.classList.remove('over');
      void this.pickTrain(event.dataTransfer?.files[0]);
    });
    byId('template').addEventListener('input', () => this.renderMapping());
    byId('label-column').addEventListener('change', () => this.renderVerbalizer());
    byId('preview-data').addEventListener('click', () => void this.preview());
  }

  onFieldsChanged(listener: (fields: string[]) => void): void {
    this.fieldListeners.add(listener);
  }

  fieldNames(): string[] {
    return this.form.fieldNames();
  }

  private async pickTrain(file: File | undefined): Promise<void> {
    if (!file) return;
    await this.useTrain(await readFile(file));
  }

  /** Fills the task definition from a core preset ('' clears the choice and keeps the form). */
  private choosePreset(value: string): void {
    this.preset = presetChoice(value);
    const hint = byId('preset-files');
    hint.hidden = this.preset === null;
    if (!this.preset) {
      this.form.clearList();
      return;
    }
    const { id, preset } = this.preset;
    hint.textContent = describePreset(this.preset);
    input('task-id').value = id;
    input('task-name').value = preset.task.name;
    this.form.fill(preset.task as FormTask);
    const readable = this.train !== null && this.readRecords(this.train);
    if (!readable) this.columns = presetColumns(this.preset);
    this.applyPresetMapping();
    if (readable) this.checkFiles();
  }

  private applyPresetMapping(): void {
    if (!this.preset) return;
    const { mapping, task } = this.preset.preset;
    options(byId<HTMLSelectElement>('label-column'), this.columns, mapping.label);
    this.renderMapping(mapping.fields);
    this.renderVerbalizer(task as FormTask);
  }

  /** With a preset, the files are read with its mapping right away, so a wrong file is named at once. */
  private checkFiles(): void {
    const status = byId('data-checked');
    try {
      const data = loadLocally(this.spec());
      status.textContent = `${data.train.length} training and ${data.dev.length} dev examples read (dev: ${data.devSource}).`;
      showError(byId('data-error'), null);
    } catch (caught) {
      status.textContent = '';
      showError(byId('data-error'), caught);
    }
  }

  /** Reads the training file's records (MultiRC's unfolded per answer); false, with the error shown, when it cannot. */
  private readRecords(train: DataFile): boolean {
    try {
      const records = parseRecords(train.contents, undefined, train.name);
      const layout = this.preset?.preset.layout;
      this.records = layout === 'multirc' ? flattenMultiRc(records, train.name) : layout === 'record' ? flattenRecord(records, train.name) : records;
    } catch (caught) {
      this.train = null;
      byId('data-summary').textContent = '';
      byId('data-checked').textContent = '';
      showError(byId('data-error'), caught);
      return false;
    }
    this.train = train;
    this.columns = columnsOf(this.records);
    byId('data-summary').textContent = `${train.name}: ${this.records.length} rows; columns ${this.columns.join(', ')}`;
    return true;
  }

  private async useTrain(train: DataFile): Promise<void> {
    showError(byId('data-error'), null);
    if (!this.readRecords(train)) return;
    const labelSelect = byId<HTMLSelectElement>('label-column');
    if (this.preset) {
      options(labelSelect, this.columns, this.columns.includes(labelSelect.value) ? labelSelect.value : this.preset.preset.mapping.label); // a column of the previous file falls back to the preset's
      this.renderMapping();
      this.checkFiles();
      return;
    }
    const labelColumn = this.columns.includes('label') ? 'label' : this.columns.at(-1);
    const template = byId<HTMLTextAreaElement>('template');
    if (template.value === DEFAULT_TEMPLATE) {
      const text = this.columns.find((c) => c !== labelColumn) ?? this.columns[0]!;
      template.value = `{${text}}\nAnswer:`;
    }
    options(labelSelect, this.columns, labelColumn);
    this.renderMapping();
    this.renderVerbalizer();
  }

  private renderMapping(selected: Readonly<Record<string, string>> = {}): void {
    const container = byId('field-mapping');
    const previous = Object.fromEntries([...container.querySelectorAll('select')].map((s) => [s.dataset.field!, s.value]));
    const fields = this.fieldNames();
    container.replaceChildren(
      ...fields.map((field, i) => {
        const select = el('select', { id: `map-field-${i}`, 'data-field': field });
        options(select, this.columns, selected[field] ?? previous[field] ?? (this.columns.includes(field) ? field : this.columns[0]));
        return el('label', {}, `Column for {${field}}`, select);
      }),
    );
    this.fieldListeners.forEach((listener) => listener(fields));
  }

  private renderVerbalizer(given: FormTask | null = null): void {
    const rows = byId('verbalizer-rows');
    const column = byId<HTMLSelectElement>('label-column').value;
    const values = given?.kind === 'classification' ? Object.keys(given.verbalizer) : [...new Set(this.records.map(({ record }) => String(columnValue(record, column) ?? '')))].sort();
    if (values.length > MAX_LABELS && this.form.kind() === 'classification') {
      rows.replaceChildren(el('p', { class: 'error', text: `column "${column}" has ${values.length} distinct values; choose the column that holds the class labels` }));
      return;
    }
    this.form.renderLabels(values, given);
  }

  /** The task and data as the worker trains them; throws with a message naming the problem. */
  spec(): DataSpec {
    if (!this.train) throw new Error('choose a training file (step 2)');
    const fields = Object.fromEntries([...byId('field-mapping').querySelectorAll('select')].map((s) => [s.dataset.field!, s.value]));
    const template = byId<HTMLTextAreaElement>('template').value;
    const truncate = this.preset && presetTruncate(this.preset, template);
    return {
      task: this.form.task(truncate ? { truncate } : {}),
      // A preset's extra mapping (MultiRC's label map and question groups) stays with its columns.
      mapping: { ...this.preset?.preset.mapping, fields, label: byId<HTMLSelectElement>('label-column').value },
      ...(this.preset ? { preset: this.preset.id, layout: this.preset.preset.layout } : {}),
      train: this.train,
      dev: this.dev,
      devFraction: numberValue('dev-fraction', 'dev share'),
      splitSeed: numberValue('split-seed', 'split seed'),
    };
  }

  /** Fills the form from a saved run (after a reload). */
  async restore(spec: DataSpec): Promise<void> {
    this.preset = presetChoice(spec.preset);
    byId<HTMLSelectElement>('task-preset').value = spec.preset ?? '';
    byId('preset-files').hidden = this.preset === null;
    if (this.preset) byId('preset-files').textContent = describePreset(this.preset);
    input('task-id').value = spec.task.id;
    input('task-name').value = spec.task.name;
    this.form.fill(spec.task);
    input('dev-fraction').value = String(spec.devFraction);
    input('split-seed').value = String(spec.splitSeed);
    this.dev = spec.dev;
    this.readRecords(spec.train); // the saved form wins over the file's and the preset's defaults
    options(byId<HTMLSelectElement>('label-column'), this.columns, spec.mapping.label);
    this.renderMapping(spec.mapping.fields);
    this.renderVerbalizer(spec.task);
  }

  private async preview(): Promise<void> {
    const error = byId('data-error');
    const target = byId('data-preview');
    showError(error, null);
    target.replaceChildren();
    try {
      const spec = this.spec();
      const local = loadLocally(spec);
      if (!this.modelLoaded()) {
        target.append(el('p', { text: `${local.train.length} training and ${local.dev.length} dev examples (dev: ${local.devSource}). Load a model to see the tokenised rows.` }));
        return;
      }
      this.renderPreview(await this.client.call('preview', { data: spec, promptLength: this.promptLength() }));
    } catch (caught) {
      showError(error, caught);
    }
  }

  private renderPreview(preview: DataPreview): void {
    byId('data-preview').replaceChildren(
      el('p', { id: 'data-counts', text: `${preview.train} training and ${preview.dev} dev examples (dev: ${preview.devSource}); ${preview.truncated} inputs shortened to fit the context.` }),
      table(
        ['input (filled template)', 'input tokens', 'label', 'target tokens'],
        preview.rows.map((row) => [el('span', { class: 'mono', text: row.input }), `${row.inputTokens}${row.truncated ? ' (shortened)' : ''}`, row.label, String(row.targetTokens)]),
        'First training rows, tokenised',
      ),
    );
  }
}
