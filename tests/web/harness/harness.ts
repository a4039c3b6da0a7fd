/**
 * The browser harness: exposes `window.ptuneHarness` so that Node (Playwright) can run the core's
 * training code in Chromium on a chosen backend. Backend selection is the web app's own
 * (`selectBackend`: webgpu, webgl, wasm or cpu, with the wasm binaries bundled).
 */
import { loadModel, memoryFileSource, requireTokenizer, type LoadedModel, type ScoringRow } from '@ptune/core';
import { trainPrompt } from '@ptune/core/train';
import { selectBackend } from '../../../apps/trainer-web/src/worker/backend-select.js';
import type { BackendChoice, BackendStatus } from '../../../apps/trainer-web/src/protocol.js';
import { promptGradient } from './prompt-gradient.js';

const MODEL_FILES = ['stories260K.bin', 'tok512.bin'];
let loaded: LoadedModel | null = null;

async function fetchModel(baseUrl: string): Promise<LoadedModel> {
  const files = new Map<string, Uint8Array>();
  for (const name of MODEL_FILES) {
    const response = await fetch(`${baseUrl}/${name}`);
    if (!response.ok) throw new Error(`${baseUrl}/${name}: HTTP ${response.status}`);
    files.set(name, new Uint8Array(await response.arrayBuffer()));
  }
  return loadModel(memoryFileSource(files, baseUrl));
}

function model(): LoadedModel {
  if (!loaded) throw new Error('call loadModel first');
  return loaded;
}

export interface TrainStepsOptions {
  readonly rows: readonly ScoringRow[];
  readonly promptLength: number;
  readonly batchSize: number;
  readonly warmupSteps: number;
  readonly timedSteps: number;
  /** Stop timing once this much time has been spent in timed steps (at least one is timed). */
  readonly maxTimeMs: number;
}

const harness = {
  async useBackend(choice: BackendChoice): Promise<BackendStatus> {
    const status = await selectBackend(choice);
    if (loaded) loaded.model.dispose();
    loaded = null;
    return status;
  },
  async loadModel(baseUrl: string): Promise<{ fingerprint: string }> {
    loaded = await fetchModel(baseUrl);
    return { fingerprint: loaded.model.fingerprint };
  },
  async gradient(values: number[], promptLength: number, rows: ScoringRow[]): Promise<{ loss: number; gradient: number[] }> {
    const { loss, gradient } = await promptGradient(model().model, Float32Array.from(values), promptLength, rows);
    return { loss, gradient: Array.from(gradient) };
  },
  /** Runs the core's training loop (prompt tuning, Adafactor) and times the steps after the warm-up. */
  async trainSteps(options: TrainStepsOptions): Promise<{ warmupMs: number; samplesMs: number[] }> {
    const { model: frozen } = model();
    const tokenizer = requireTokenizer(model());
    const data = { task: { kind: 'language-modeling', id: 'bench', name: 'bench windows' } as const, encoder: null, trainRows: options.rows, devExamples: [], devRows: [], truncated: 0 };
    const abort = new AbortController();
    const samplesMs: number[] = [];
    const started = performance.now();
    let last = started;
    let warmupMs = 0;
    await trainPrompt({
      model: frozen,
      tokenizer,
      data,
      prompt: { promptLength: options.promptLength, init: { method: 'sampled-vocab' }, seed: 0 },
      train: { steps: options.warmupSteps + options.timedSteps, batchSize: options.batchSize, evalEvery: 0, patience: null, seed: 0, checkpointEvery: 0, select: 'last' },
      optimizer: { name: 'adafactor', learningRate: 0.3 },
      signal: abort.signal,
      onEvent: (event) => {
        if (event.type !== 'step') return;
        const now = performance.now();
        if (event.step > options.warmupSteps) samplesMs.push(now - last);
        else if (event.step === options.warmupSteps) warmupMs = now - started;
        last = now;
        if (samplesMs.length >= options.timedSteps || (samplesMs.length > 0 && samplesMs.reduce((a, b) => a + b, 0) >= options.maxTimeMs)) abort.abort();
      },
    });
    return { warmupMs, samplesMs };
  },
};

export type PtuneHarness = typeof harness;
(window as unknown as { ptuneHarness: PtuneHarness }).ptuneHarness = harness;
