import type { PromptInit, PromptTuningConfig } from '@ptune/core';
import type { OptimizerConfig, TrainConfig } from '@ptune/core/train';
import type { Defaults, ModelSummary, RunSpec } from '../protocol.js';
import { byId, input, numberValue } from './dom.js';
import { InitFromPicker } from './init-from-picker.js';

/** The paper's three initialisations, text, and another prompt artifact. */
type InitChoice = 'class-label' | 'sampled-vocab' | 'random' | 'text' | 'from';

/** Step 3: prompt length, initialisation, optimizer and loop settings, pre-filled with the paper's defaults. */
export class ConfigPanel {
  private defaults: Defaults | null = null;
  private readonly initFrom: InitFromPicker;

  constructor(model: () => ModelSummary | null) {
    this.initFrom = new InitFromPicker(model);
    byId('init-method').addEventListener('change', () => this.showInitText());
    byId('optimizer').addEventListener('change', () => {
      const optimizer = this.defaults?.optimizers[byId<HTMLSelectElement>('optimizer').value as 'adafactor' | 'adam'];
      if (optimizer) input('learning-rate').value = String(optimizer.learningRate);
    });
  }

  fill(defaults: Defaults): void {
    this.defaults = defaults;
    input('prompt-length').value = String(defaults.prompt.promptLength);
    input('prompt-length').max = String(defaults.maxPromptLength);
    byId<HTMLSelectElement>('init-method').value = defaults.prompt.init.method;
    byId<HTMLSelectElement>('optimizer').value = defaults.optimizers.adafactor.name;
    input('learning-rate').value = String(defaults.optimizers.adafactor.learningRate);
    input('batch-size').value = String(defaults.train.batchSize);
    input('steps').value = String(defaults.train.steps);
    input('seed').value = String(defaults.train.seed);
    input('eval-every').value = String(defaults.train.evalEvery);
    this.showInitText();
  }

  restore(spec: RunSpec): void {
    input('prompt-length').value = String(spec.prompt.promptLength);
    byId<HTMLSelectElement>('init-method').value = spec.prompt.init.method;
    if (spec.prompt.init.method === 'text') input('init-text').value = spec.prompt.init.text;
    if (spec.prompt.init.method === 'from') this.initFrom.restore(spec.initFrom);
    byId<HTMLSelectElement>('optimizer').value = spec.optimizer.name;
    input('learning-rate').value = String(spec.optimizer.learningRate);
    input('batch-size').value = String(spec.train.batchSize);
    input('steps').value = String(spec.train.steps);
    input('seed').value = String(spec.train.seed);
    input('eval-every').value = String(spec.train.evalEvery);
    input('checkpoint-every').value = String(spec.train.checkpointEvery);
    this.showInitText();
  }

  promptLength(): number {
    return numberValue('prompt-length', 'prompt length');
  }

  private showInitText(): void {
    const method = byId<HTMLSelectElement>('init-method').value;
    byId('init-text-label').hidden = method !== 'text';
    byId('init-from-label').hidden = method !== 'from';
    byId('init-from-status').hidden = method !== 'from';
  }

  private init(): Pick<RunSpec, 'initFrom'> & { readonly init: PromptInit } {
    const method = byId<HTMLSelectElement>('init-method').value as InitChoice;
    if (method === 'from') {
      const initFrom = this.initFrom.chosen();
      return { init: { method, from: initFrom.name }, initFrom };
    }
    return { init: method === 'text' ? { method, text: input('init-text').value } : { method } };
  }

  /** The settings as plain configs; the worker validates them with the core's resolvers. */
  read(): Pick<RunSpec, 'prompt' | 'train' | 'optimizer' | 'initFrom'> {
    if (!this.defaults) throw new Error('the training worker has not started yet');
    const seed = numberValue('seed', 'seed');
    const { init, initFrom } = this.init();
    const prompt: PromptTuningConfig = { promptLength: this.promptLength(), init, seed };
    const train: TrainConfig = {
      ...this.defaults.train,
      steps: numberValue('steps', 'steps'),
      batchSize: numberValue('batch-size', 'batch size'),
      evalEvery: numberValue('eval-every', 'evaluate every'),
      checkpointEvery: numberValue('checkpoint-every', 'checkpoint every'),
      seed,
    };
    const name = byId<HTMLSelectElement>('optimizer').value as 'adafactor' | 'adam';
    const optimizer: OptimizerConfig = { ...this.defaults.optimizers[name], learningRate: numberValue('learning-rate', 'learning rate') } as OptimizerConfig;
    return { prompt, train, optimizer, ...(initFrom ? { initFrom } : {}) };
  }
}
