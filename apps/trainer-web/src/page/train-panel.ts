import type { TrainEvent } from '@ptune/core/train';
import type { RunSpec, RunSummary } from '../protocol.js';
import { byId, formatDuration, formatNumber, showError } from './dom.js';
import { drawLineChart, type Point } from './line-chart.js';
import type { WorkerClient } from './worker-client.js';

type ButtonState = 'idle' | 'training' | 'paused';

/** Step 4: start / pause / resume / stop, live loss and dev-accuracy charts, speed and time left. */
export class TrainPanel {
  private losses: Point[] = [];
  private accuracy: Point[] = [];
  private steps = 0;
  private batchSize = 1;
  /** Step of the first step event of the current training session (a resume continues after the checkpoint). */
  private sessionFirstStep: number | null = null;
  private readonly finishedListeners = new Set<(summary: RunSummary) => void>();

  constructor(
    private readonly client: WorkerClient,
    private readonly buildSpec: () => RunSpec,
    /** Makes sure the saved run's model is loaded before resuming; false: cannot resume yet. */
    private readonly prepareResume: () => Promise<boolean>,
  ) {
    byId('start-training').addEventListener('click', () => void this.start());
    byId('resume-training').addEventListener('click', () => void this.resume());
    byId('pause-training').addEventListener('click', () => void client.call('pause', {}));
    byId('stop-training').addEventListener('click', () => void client.call('stop', {}));
    byId('loss-chart').dataset.title = 'training loss';
    byId('accuracy-chart').dataset.title = 'dev accuracy';
    client.onEvent((event) => event.kind === 'train' && this.onTrainEvent(event.event));
  }

  onFinished(listener: (summary: RunSummary) => void): void {
    this.finishedListeners.add(listener);
  }

  private buttons(state: ButtonState): void {
    byId<HTMLButtonElement>('start-training').disabled = state === 'training';
    byId<HTMLButtonElement>('pause-training').disabled = state !== 'training';
    byId<HTMLButtonElement>('stop-training').disabled = state !== 'training';
    byId<HTMLButtonElement>('resume-training').disabled = state !== 'paused';
    byId('train-state').textContent = state === 'training' ? 'training' : state;
  }

  private async start(): Promise<void> {
    const error = byId('train-error');
    showError(error, null);
    let spec: RunSpec;
    try {
      spec = this.buildSpec();
    } catch (caught) {
      showError(error, caught);
      return;
    }
    this.losses = [];
    this.accuracy = [];
    this.steps = spec.train.steps;
    this.batchSize = spec.train.batchSize;
    byId('fixed-batch').textContent = '';
    byId('initial-prompt').textContent = '';
    this.redraw();
    await this.run(spec);
  }

  async resume(): Promise<void> {
    showError(byId('train-error'), null);
    if (!(await this.prepareResume())) return;
    await this.run(null);
  }

  private async run(spec: RunSpec | null): Promise<void> {
    this.sessionFirstStep = null;
    this.buttons('training');
    const state = byId('train-state');
    state.textContent = spec ? 'preparing…' : 'resuming…';
    state.dataset.status = 'running';
    delete state.dataset.sessionFirstStep;
    delete state.dataset.checkpointStep;
    try {
      const summary = await this.client.call('train', { run: spec });
      this.show(summary);
      this.finishedListeners.forEach((listener) => listener(summary));
    } catch (caught) {
      showError(byId('train-error'), caught);
      this.buttons('idle');
    }
  }

  /** Draws a run's history and status (a finished run, or a saved one after a reload). */
  show(summary: RunSummary): void {
    this.steps = summary.steps;
    this.batchSize = summary.spec.train.batchSize;
    this.losses = summary.losses.map((l) => ({ x: l.step, y: l.loss }));
    this.accuracy = summary.evals.flatMap((e) => (e.metrics.accuracy === undefined ? [] : [{ x: e.step, y: e.metrics.accuracy }]));
    this.redraw();
    byId('train-step-count').textContent = `${summary.step} / ${summary.steps}`;
    const last = summary.losses.at(-1);
    if (last) byId('train-loss').textContent = formatNumber(last.loss, 4);
    const resumable = (summary.status === 'paused' || summary.status === 'running') && summary.step < summary.steps;
    this.buttons(resumable ? 'paused' : 'idle');
    byId('train-state').textContent = summary.status === 'running' ? 'interrupted' : summary.status;
    byId('train-state').dataset.status = summary.status;
    const fixed = summary.fixedBatch;
    const output = byId('fixed-batch');
    output.textContent = `Loss on a fixed batch (the first ${fixed.rows} training rows): ${formatNumber(fixed.before, 4)} with the initial prompt` +
      (fixed.after === null ? '' : ` → ${formatNumber(fixed.after, 4)} with the trained prompt`);
    output.dataset.before = String(fixed.before);
    if (fixed.after !== null) output.dataset.after = String(fixed.after);
    else delete output.dataset.after;
    this.showInitialPrompt(summary);
  }

  /** Where the prompt started: the initialisation and its first vector (JSON in data-first-vector). */
  private showInitialPrompt(summary: RunSummary): void {
    const output = byId('initial-prompt');
    const vector = summary.initialVector;
    const init = summary.spec.prompt.init;
    const origin = init.method === 'from' ? `from ${init.from}` : init.method;
    output.textContent = vector ? `Initial prompt (${origin}): first vector [${vector.slice(0, 4).map((v) => formatNumber(v, 4)).join(', ')}, …] (${vector.length} values)` : '';
    if (vector) output.dataset.firstVector = JSON.stringify(vector);
    else delete output.dataset.firstVector;
  }

  private onTrainEvent(event: TrainEvent): void {
    if (event.type === 'step') {
      this.losses.push({ x: event.step, y: event.loss });
      const stepsPerSecond = event.examplesPerSecond / this.batchSize;
      this.sessionFirstStep ??= event.step;
      const state = byId('train-state');
      state.textContent = this.sessionFirstStep > 1 ? `training (resumed at step ${this.sessionFirstStep - 1})` : 'training';
      state.dataset.sessionFirstStep = String(this.sessionFirstStep);
      byId('train-step-count').textContent = `${event.step} / ${event.steps}`;
      byId('train-loss').textContent = formatNumber(event.loss, 4);
      byId('train-speed').textContent = formatNumber(stepsPerSecond, 2);
      byId('train-eta').textContent = formatDuration((event.steps - event.step) / stepsPerSecond);
    } else if (event.type === 'eval' && event.metrics.accuracy !== undefined) {
      this.accuracy.push({ x: event.step, y: event.metrics.accuracy });
      byId('train-accuracy').textContent = formatNumber(event.metrics.accuracy, 3);
    } else if (event.type === 'checkpoint') {
      byId('train-state').dataset.checkpointStep = String(event.step);
    }
    this.redraw();
  }

  private redraw(): void {
    drawLineChart(byId('loss-chart') as unknown as SVGSVGElement, this.losses, { xMax: this.steps });
    drawLineChart(byId('accuracy-chart') as unknown as SVGSVGElement, this.accuracy, { yRange: [0, 1], xMax: this.steps });
    const lastAccuracy = this.accuracy.at(-1);
    if (lastAccuracy) byId('train-accuracy').textContent = formatNumber(lastAccuracy.y, 3);
  }
}
