import type { PromptInit, PromptTuningConfig } from '@ptune/core';
import type { OptimizerConfig, TrainConfig } from '@ptune/core/train';
import type { Defaults, RunSpec } from '../protocol.js';
import { byId, input, numberValue } from './dom.js';

type InitChoice = 'class-label' | 'sampled-vocab' | 'random' | 'text';

/** Step 3: prompt length, initialisation, optimizer and loop settings, pre-filled with the paper's defaults. */
export class ConfigPanel {
  private defaults: Defaults | null = null;

  constructor() {
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
    byId('init-text-label').hidden = byId<HTMLSelectElement>('init-method').value !== 'text';
  }

  private init(): PromptInit {
    const method = byId<HTMLSelectElement>('init-method').value as InitChoice;
    return method === 'text' ? { method, text: input('init-text').value } : { method };
  }

  /** The settings as plain configs; the worker validates them with the core's resolvers. */
  read(): Pick<RunSpec, 'prompt' | 'train' | 'optimizer'> {
    if (!this.defaults) throw new Error('the training worker has not started yet');
    const seed = numberValue('seed', 'seed');
    const prompt: PromptTuningConfig = { promptLength: this.promptLength(), init: this.init(), seed };
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
    return { prompt, train, optimizer };
  }
}
