/**
 * The training worker: owns TensorFlow.js, the frozen model and the run, so the page stays
 * responsive while a step runs on the GPU. Answers the calls of `../protocol.ts` one by one (a
 * `pause` or `stop` is answered while `train` is still running: the loop yields every step).
 */
import { DEFAULT_PROMPT_TUNING_CONFIG, isPtuneError, MAX_PROMPT_LENGTH } from '@ptune/core';
import { DEFAULT_ADAFACTOR_CONFIG, DEFAULT_ADAM_CONFIG, DEFAULT_TRAIN_CONFIG, resolveOptimizerConfig, resolveTrainConfig } from '@ptune/core/train';
import { resolvePromptTuningConfig } from '@ptune/core';
import type { BackendStatus, CallRequest, Calls, CallType, WorkerMessage } from '../protocol.js';
import { selectBackend } from './backend-select.js';
import { ModelState } from './model-state.js';
import { evaluatePrompt, exportArtifact, promptNeighbors, tryInput } from './prompt-insight.js';
import { previewRun, prepareRun } from './task-prep.js';
import { TrainingRun } from './training-run.js';
import type { DownloadProgress } from './url-file-source.js';

interface WorkerScope {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<CallRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

const models = new ModelState();
const run = new TrainingRun();
let backend: BackendStatus | null = null;

const progress = (p: DownloadProgress) => scope.postMessage({ kind: 'download', ...p });

async function ensureBackend(): Promise<BackendStatus> {
  backend ??= await selectBackend('auto');
  return backend;
}

type Handlers = { [T in CallType]: (request: CallRequest<T>) => Promise<Calls[T][1]> };

const handlers: Handlers = {
  defaults: async () => ({
    prompt: DEFAULT_PROMPT_TUNING_CONFIG,
    train: DEFAULT_TRAIN_CONFIG,
    optimizers: { adafactor: DEFAULT_ADAFACTOR_CONFIG, adam: DEFAULT_ADAM_CONFIG },
    maxPromptLength: MAX_PROMPT_LENGTH,
  }),
  backend: async ({ choice }) => {
    backend = await selectBackend(choice);
    if (models.loaded()) await models.reload(progress); // weights must live on the new backend
    return backend;
  },
  'load-model': async ({ source }) => {
    await ensureBackend();
    return models.load(source, progress);
  },
  preview: async ({ data, promptLength }) => {
    const { model, tokenizer } = models.current();
    return previewRun(prepareRun(data, model, tokenizer, promptLength));
  },
  train: async ({ run: spec }) => {
    const status = await ensureBackend();
    const checked = spec && {
      ...spec,
      prompt: resolvePromptTuningConfig(spec.prompt),
      train: resolveTrainConfig(spec.train),
      optimizer: resolveOptimizerConfig(spec.optimizer),
    };
    return run.train(models.current(), status.name, checked, (event) => scope.postMessage({ kind: 'train', event }));
  },
  pause: async () => (run.pause(), null),
  stop: async () => (run.stop(), null),
  'saved-run': async () => run.saved(),
  'discard-run': async () => (await run.discard(), null),
  evaluate: async () => {
    const active = models.current();
    return evaluatePrompt(active, await run.prompt(active));
  },
  predict: async ({ fields }) => {
    const active = models.current();
    return tryInput(active, await run.prompt(active), fields);
  },
  neighbors: async ({ k }) => {
    const active = models.current();
    return promptNeighbors(active, await run.prompt(active), k);
  },
  export: async ({ dtype }) => {
    const active = models.current();
    return exportArtifact(active, await run.prompt(active), dtype);
  },
};

/** Calls that may run while another is in flight: pause/stop must reach a running `train`. */
const CONCURRENT: ReadonlySet<CallType> = new Set<CallType>(['defaults', 'pause', 'stop', 'saved-run']);
/** Every other call waits for the previous one (two backend switches or loads must not interleave). */
let queue: Promise<unknown> = Promise.resolve();

scope.onmessage = (event) => {
  const request = event.data;
  const handler = handlers[request.type] as (r: CallRequest) => Promise<unknown>;
  const pending = CONCURRENT.has(request.type) ? handler(request) : (queue = queue.then(() => handler(request), () => handler(request)));
  pending.then(
    (result) => scope.postMessage({ kind: 'result', id: request.id, result }),
    (error: unknown) => {
      const code = isPtuneError(error) ? error.code : 'INTERNAL';
      const message = error instanceof Error ? error.message : String(error);
      if (!isPtuneError(error)) console.error(error);
      scope.postMessage({ kind: 'error', id: request.id, code, message });
    },
  );
};
