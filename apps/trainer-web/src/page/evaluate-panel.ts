import type { ClassificationMetrics } from '@ptune/core';
import type { EvaluationReport, TryItResult } from '../protocol.js';
import { byId, el, formatNumber, showError, table } from './dom.js';
import type { WorkerClient } from './worker-client.js';

function confusionTable(report: EvaluationReport, metrics: ClassificationMetrics, caption: string): HTMLTableElement {
  const name = (label: string) => `${label} (${(report.verbalizer[label] ?? label).trim()})`;
  return table(
    ['gold \\ predicted', ...report.labels.map(name)],
    metrics.confusion.map((row, gold) => [name(report.labels[gold]!), ...row.map(String)]),
    caption,
  );
}

/** Step 5: dev metrics and confusion matrices (trained vs zero-shot), a try-it box, nearest tokens. */
export class EvaluatePanel {
  private fields: string[] = [];

  constructor(private readonly client: WorkerClient) {
    byId('evaluate').addEventListener('click', () => void this.guard(() => this.evaluate()));
    byId('try-predict').addEventListener('click', () => void this.guard(() => this.tryIt()));
    byId('show-neighbors').addEventListener('click', () => void this.guard(() => this.neighbors()));
  }

  /** Re-creates the try-it inputs for the template's fields. */
  setFields(fields: readonly string[]): void {
    const container = byId('try-fields');
    const previous = this.values();
    this.fields = [...fields];
    container.replaceChildren(
      ...fields.map((field, i) => el('label', {}, `{${field}}`, el('textarea', { id: `try-field-${i}`, 'data-field': field, rows: 2, text: previous[field] ?? '' }))),
    );
  }

  /** The try-it inputs (the publish step sends the same ones through the edge API). */
  values(): Record<string, string> {
    return Object.fromEntries([...byId('try-fields').querySelectorAll('textarea')].map((area) => [area.dataset.field!, area.value]));
  }

  private async guard(work: () => Promise<void>): Promise<void> {
    const error = byId('evaluate-error');
    showError(error, null);
    try {
      await work();
    } catch (caught) {
      showError(error, caught);
    }
  }

  private async evaluate(): Promise<void> {
    const target = byId('metrics');
    target.replaceChildren(el('p', { text: 'evaluating…' }));
    const report = await this.client.call('evaluate', {});
    if (report.kind === 'multiple-choice') {
      // Each example's own candidates: accuracy only (no label classes to confuse).
      const row = (name: string, m: ClassificationMetrics) => [name, formatNumber(m.accuracy, 3), String(m.examples)];
      target.replaceChildren(table(['prompt', 'accuracy', 'dev examples'], [row('trained soft prompt', report.trained), row('zero-shot (no prompt)', report.zeroShot)], 'Dev metrics (multiple choice)'));
      target.dataset.accuracy = String(report.trained.accuracy);
      return;
    }
    const row = (name: string, m: ClassificationMetrics) => [name, formatNumber(m.accuracy, 3), formatNumber(m.macroF1, 3), String(m.examples)];
    target.replaceChildren(
      table(['prompt', 'accuracy', 'macro-F1', 'dev examples'], [row('trained soft prompt', report.trained), row('zero-shot (no prompt)', report.zeroShot)], 'Dev metrics'),
      confusionTable(report, report.trained, 'Confusion matrix: trained prompt'),
      confusionTable(report, report.zeroShot, 'Confusion matrix: zero-shot'),
    );
    target.dataset.accuracy = String(report.trained.accuracy);
  }

  private async tryIt(): Promise<void> {
    const result: TryItResult = await this.client.call('predict', { fields: this.values() });
    const labels = Object.keys(result.trained.scores);
    const target = byId('try-result');
    target.replaceChildren(
      table(
        ['', 'trained prompt', 'zero-shot (no prompt)'],
        [
          ['prediction', result.trained.label, result.zeroShot.label],
          ...labels.map((label) => [`log-likelihood of "${label}"`, formatNumber(result.trained.scores[label]!, 4), formatNumber(result.zeroShot.scores[label]!, 4)]),
        ],
        result.truncated ? 'Prediction (input shortened to fit the context)' : 'Prediction',
      ),
    );
    target.dataset.label = result.trained.label;
    target.dataset.scores = JSON.stringify(result.trained.scores);
    target.dataset.zeroShotLabel = result.zeroShot.label;
  }

  private async neighbors(): Promise<void> {
    const { positions } = await this.client.call('neighbors', { k: 5 });
    byId('neighbors').replaceChildren(
      table(
        ['position', ...[1, 2, 3, 4, 5].map((r) => `#${r}`)],
        positions.map((tokens, position) => [String(position), ...tokens.map((t) => el('span', { class: 'mono', title: `id ${t.id}`, text: `${JSON.stringify(t.token)} ${formatNumber(t.similarity, 2)}` }))]),
        'Nearest vocabulary tokens by cosine similarity',
      ),
    );
  }
}
