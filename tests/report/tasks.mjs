/**
 * What the report measures: the tasks, their settings, and the list of jobs (one process each).
 * A job is { id, task, method, k, init, seed, after? }: method zero-shot (no prompt), prompt
 * (prompt tuning), full (full-model tuning) or ensemble (evaluation of the prompts of `after`).
 */

export const MODEL = 'stories260K';
export const BATCH = 32;
/** Dev examples per evaluation forward (each is one row per label, per ensembled prompt); fewer for wide rows. */
export const EVAL_BATCH = 32;
/**
 * Rows x width^2 per evaluation forward: attention keeps [rows, heads, width, width] tensors alive, and
 * the wasm heap stops at 4 GiB (training at batch 32 crashed at ~290 positions in our runs).
 */
export const EVAL_CELLS = 1_500_000;
export const OPTIMIZERS = {
  /** Lester et al. 2021: Adafactor, constant learning rate 0.3. */
  prompt: { name: 'adafactor', learningRate: 0.3 },
  /** T5's fine-tuning setting (Adafactor, constant 1e-3), the paper's model-tuning baseline. */
  full: { name: 'adafactor', learningRate: 1e-3 },
};
export const SST2_KS = [1, 5, 20, 100];
export const SST2_INITS = ['random', 'sampled-vocab', 'class-label'];
export const ENSEMBLE_SEEDS = [0, 1, 2, 3, 4];
export const LM_KS = [20, 100];
export const LM_WINDOW = 64;
export const LM_TRAIN_FRACTION = 0.9;
/** Held-out windows scored (null: all of the last 10%, about 1,100 windows of 64 tokens). */
export const LM_DEV_WINDOWS = null;
/** SST-2 training examples are drawn from a seeded random pool of train (67,349 sentences and phrases). */
export const SST2_TRAIN_POOL = 16_384;
export const SST2_TRAIN_POOL_QUICK = 2_048;
export const LM_TRAIN_CHARS_QUICK = 60_000;
export const DEV_SEED = 1234;
export const POOL_SEED = 99;

export const TASKS = {
  sst2: { kind: 'classification', preset: 'sst2', title: 'SST-2', split: 'dev', metric: 'accuracy' },
  rte: { kind: 'classification', preset: 'rte', title: 'RTE', split: 'val', metric: 'accuracy' },
  cb: { kind: 'classification', preset: 'cb', title: 'CB', split: 'val', metric: 'accuracy' },
  shakespeare: { kind: 'language-modeling', corpus: 'corpus/tinyshakespeare.txt', title: 'Tiny Shakespeare', split: 'last 10%', metric: 'perplexity' },
};

const promptId = (task, k, init, seed) => `${task}/prompt/k${k}/${init}/s${seed}`;

/** The jobs of the selected tasks, in run order (an ensemble after its members). */
export function planJobs(only) {
  const jobs = [];
  const add = (job) => jobs.push({ k: 0, init: null, seed: 0, after: [], ...job });
  for (const task of only) {
    add({ id: `${task}/zero-shot`, task, method: 'zero-shot' });
    if (task === 'sst2') {
      for (const k of SST2_KS) for (const init of SST2_INITS) add({ id: promptId(task, k, init, 0), task, method: 'prompt', k, init, seed: 0 });
      for (const seed of ENSEMBLE_SEEDS.filter((s) => s !== 0)) add({ id: promptId(task, 20, 'class-label', seed), task, method: 'prompt', k: 20, init: 'class-label', seed });
      add({ id: `${task}/full`, task, method: 'full' });
      add({ id: `${task}/ensemble`, task, method: 'ensemble', k: 20, init: 'class-label', after: ENSEMBLE_SEEDS.map((s) => promptId(task, 20, 'class-label', s)) });
    } else if (task === 'shakespeare') {
      for (const k of LM_KS) add({ id: promptId(task, k, 'sampled-vocab', 0), task, method: 'prompt', k, init: 'sampled-vocab', seed: 0 });
      add({ id: `${task}/full`, task, method: 'full' });
    } else {
      add({ id: promptId(task, 20, 'class-label', 0), task, method: 'prompt', k: 20, init: 'class-label', seed: 0 });
      add({ id: `${task}/full`, task, method: 'full' });
    }
  }
  return jobs;
}

/** Deterministic shuffle (mulberry32). */
export function seededShuffle(items, seed) {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A seeded random subset of `limit` items (all, in file order, when limit is null or not smaller). */
export function subset(items, limit, seed) {
  return limit === null || limit >= items.length ? [...items] : seededShuffle(items, seed).slice(0, limit);
}
