import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { loadModel, type LoadedModel } from '../checkpoint/load-model.js';
import { targetLogProbs } from '../eval/target-log-probs.js';
import { fingerprintParameters } from '../model/fingerprint.js';
import type { LlamaModel } from '../model/llama.js';
import { localFileSource } from '../node/local-file-source.js';
import { resolvePromptTuningConfig } from '../prompt/prompt-config.js';
import { loadPresetTask } from '../task/node-files.js';
import { assetPath, assetsDir } from '../test-support/assets.js';
import { resolveTrainConfig } from './train-config.js';
import { decodeTrainingState, encodeTrainingState, type TrainingState } from './training-state.js';
import { prepareTask, trainFullModel, trainPrompt, type PreparedTask } from './train-prompt.js';

describe('prompt tuning on stories260K with SST-2 (wasm)', () => {
  let loaded: LoadedModel;
  let data: PreparedTask;
  const prompt = resolvePromptTuningConfig({ promptLength: 4, init: { method: 'class-label' }, seed: 1 });
  const train = resolveTrainConfig({ steps: 6, batchSize: 8, evalEvery: 3, seed: 3 });

  beforeAll(async () => {
    await initBackend('wasm');
    loaded = await loadModel(localFileSource(assetPath('stories260K')));
    const sst2 = await loadPresetTask('sst2', { assetsDir: assetsDir() });
    // Short sentences keep this suite fast (training cost grows with the padded width).
    const short = (e: { fields: Readonly<Record<string, string>> }) => e.fields.sentence!.split(' ').length <= 10;
    data = prepareTask(sst2.task, loaded.tokenizer!, loaded.model, prompt.promptLength, sst2.train.filter(short).slice(0, 64), sst2.dev.filter(short).slice(0, 16));
  });
  afterAll(() => loaded.model.dispose());

  async function fixedBatchLoss(values: Float32Array): Promise<number> {
    const prefix = tf.tensor2d(values, [prompt.promptLength, loaded.model.dModel]);
    const rows = data.trainRows.slice(0, 16);
    const { logProbs, tokenCounts } = targetLogProbs(loaded.model, prefix, rows);
    const loss = -(await logProbs.sum().data())[0]! / tokenCounts.reduce((a, b) => a + b, 0);
    tf.dispose([prefix, logProbs]);
    return loss;
  }

  it('trains only the prompt: frozen weights are bit-identical afterwards, and the loss falls', async () => {
    const events: string[] = [];
    const result = await trainPrompt({
      model: loaded.model, tokenizer: loaded.tokenizer!, data, prompt,
      train: resolveTrainConfig({ steps: 12, batchSize: 16, evalEvery: 0, seed: 3 }),
      onEvent: (e) => events.push(e.type),
    });
    const after = await fingerprintParameters(await (loaded.model as LlamaModel).exportParameters());
    expect(after).toBe(loaded.model.fingerprint);
    expect(await fixedBatchLoss(result.promptValues)).toBeLessThan(await fixedBatchLoss(result.initialValues));
    expect(events.filter((e) => e === 'step')).toHaveLength(12);
    expect(result.state.evals.at(-1)!.metrics.accuracy).toBeGreaterThanOrEqual(0);
  });

  it('is reproducible, and a resumed run continues exactly where it stopped', async () => {
    const common = { model: loaded.model, tokenizer: loaded.tokenizer!, data, prompt };
    const straight = await trainPrompt({ ...common, train });
    const again = await trainPrompt({ ...common, train });
    expect(Array.from(again.state.variables[0]!.data)).toEqual(Array.from(straight.state.variables[0]!.data));
    // Pause after step 4 (as the stop button does): the loop checkpoints and returns.
    let saved: Uint8Array | null = null;
    const pause = new AbortController();
    const paused = await trainPrompt({
      ...common, train, signal: pause.signal,
      onEvent: (e) => e.type === 'step' && e.step === 4 && pause.abort(),
      checkpoint: async (state) => void (saved = encodeTrainingState(state)),
    });
    expect(paused.aborted).toBe(true);
    const state: TrainingState = decodeTrainingState(saved!, 'checkpoint');
    expect(state.step).toBe(4);
    const resumed = await trainPrompt({ ...common, train, resume: state });
    expect(resumed.state.step).toBe(6);
    expect(Array.from(resumed.state.variables[0]!.data)).toEqual(Array.from(straight.state.variables[0]!.data));
    expect(resumed.state.losses).toEqual(straight.state.losses);
    expect(resumed.state.evals).toEqual(straight.state.evals);
  });

  it('stops early when the dev metric stops improving', async () => {
    const result = await trainPrompt({
      model: loaded.model, tokenizer: loaded.tokenizer!, data, prompt,
      train: resolveTrainConfig({ steps: 40, batchSize: 2, evalEvery: 1, patience: 2, seed: 0 }),
      optimizer: { name: 'adam', learningRate: 1e-6 },
    });
    expect(result.stoppedEarly).toBe(true);
    expect(result.state.step).toBeLessThan(40);
  });

  it('full-model tuning changes the weights of a trainable copy, never the frozen model', async () => {
    const copy = await (loaded.model as LlamaModel).trainableCopy();
    const before = await fixedCopyLoss(copy);
    const result = await trainFullModel({ model: copy, data, train: resolveTrainConfig({ steps: 5, batchSize: 8, evalEvery: 0, seed: 1 }), optimizer: { name: 'adam', learningRate: 3e-3 } });
    expect(result.state.step).toBe(5);
    expect(await fingerprintParameters(await copy.exportParameters())).not.toBe(loaded.model.fingerprint);
    expect(await fingerprintParameters(await (loaded.model as LlamaModel).exportParameters())).toBe(loaded.model.fingerprint);
    expect(await fixedCopyLoss(copy)).toBeLessThan(before);
    copy.dispose();
  });

  async function fixedCopyLoss(model: LlamaModel): Promise<number> {
    const { logProbs, tokenCounts } = targetLogProbs(model, null, data.trainRows.slice(0, 16));
    const loss = -(await logProbs.sum().data())[0]! / tokenCounts.reduce((a, b) => a + b, 0);
    logProbs.dispose();
    return loss;
  }
});
