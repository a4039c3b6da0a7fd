import * as tf from '@tensorflow/tfjs-core';
import { initBackend, resolvePromptTuningConfig, resolveTrainConfig, trainPrompt, prepareTask, evaluateClassification } from '@ptune/core';
import { loadModelFromSpec, loadPresetTask } from '@ptune/core/node';
await initBackend('wasm');
const assetsDir = '/work/shared/assets';
const { model, tokenizer } = await loadModelFromSpec('stories260K', { assetsDir });
for (const id of ['sst2', 'rte', 'cb']) {
  let t = performance.now();
  const d = await loadPresetTask(id, { assetsDir });
  const t1 = performance.now();
  const prep = prepareTask(d.task, tokenizer, model, 20, d.train, d.dev);
  const t2 = performance.now();
  const lens = prep.trainRows.map((r) => r.inputIds.length).sort((a, b) => a - b);
  const dl = prep.devExamples.map((r) => r.inputIds.length).sort((a, b) => a - b);
  const q = (a, p) => a[Math.floor(p * (a.length - 1))];
  console.log(id, 'load', (t1 - t).toFixed(0), 'prep', (t2 - t1).toFixed(0), 'train', lens.length, 'len p50/p90/max', q(lens, .5), q(lens, .9), q(lens, 1), 'dev', dl.length, q(dl, .5), q(dl, .9), q(dl, 1), 'trunc', prep.truncated);
  for (const k of id === 'sst2' ? [1, 20, 100] : [20]) {
    const p = k === 20 ? prep : prepareTask(d.task, tokenizer, model, k, d.train, d.dev.slice(0, 64));
    const small = { ...p, devExamples: p.devExamples.slice(0, 64) };
    const times = []; let last = performance.now();
    await trainPrompt({ model, tokenizer, data: small, prompt: resolvePromptTuningConfig({ promptLength: k, init: { method: 'class-label' } }), train: resolveTrainConfig({ steps: 5, batchSize: 32, evalEvery: 0 }), evalBatchSize: 32,
      onEvent: (e) => { const now = performance.now(); times.push(`${e.type}:${(now - last).toFixed(0)}`); last = now; } });
    console.log(' k', k, times.join(' '));
  }
  t = performance.now();
  const ev = await evaluateClassification(model, prep.encoder, prep.devExamples.slice(0, 128), [null], { batchSize: 32 });
  console.log(' zero-shot eval 128 ex', (performance.now() - t).toFixed(0), 'ms acc', ev.accuracy);
}
