import * as tf from '@tensorflow/tfjs-core';
import { initBackend, targetLogProbs } from '@ptune/core';
import '@ptune/core/train';
import { randomModel } from './scale-models.mjs';
import { passBytes } from '../../packages/core/dist/memory/pass-cost.js';
import { planTrainingStep, activationBudget } from '../../packages/core/dist/memory/memory-plan.js';
await initBackend(process.env.B ?? 'wasm');
const name = process.env.M ?? 'flan-t5-small';
let t0 = performance.now();
const model = randomModel(name);
console.log('build', ((performance.now() - t0) / 1000).toFixed(1), 's; resident', (model.residentBytes('wasm') / 1e6).toFixed(0), 'MB; budget', (activationBudget(model) / 1e6).toFixed(0));
const k = 20, inLen = 64, batch = Number(process.env.BATCH ?? 8);
const prompt = tf.variable(tf.randomNormal([k, model.dModel], 0, 0.5));
const rows = Array.from({ length: batch }, (_, r) => ({ inputIds: Array.from({ length: inLen }, (_, i) => 3 + ((r * 31 + i * 17) % 30000)), targetIds: [1000 + r, 1] }));
for (const recompute of (process.env.RC ?? 'false,true').split(',').map((x) => x === 'true')) {
  const mode = recompute ? 'recompute' : 'taped';
  const est = passBytes(model.dims, { rows: batch, width: k + inLen, decoderWidth: 2, scoredTokens: 2 * batch }, mode);
  for (let rep = 0; rep < 2; rep++) {
    t0 = performance.now();
    const prof = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.neg(tf.sum(targetLogProbs(model, prompt, rows, { recompute }).logProbs)), [prompt]);
      return [value, grads[prompt.name]];
    });
    const out = await prof.result;
    await out[1].data();
    tf.dispose(out);
    console.log(mode, 'batch', batch, 'ms', (performance.now() - t0).toFixed(0), 'peak MB', (prof.peakBytes / 1e6).toFixed(0), 'estimate MB', (est / 1e6).toFixed(0), 'tensors', tf.memory().numTensors, 'rss MB', (process.memoryUsage().rss / 1e6).toFixed(0), 'heap MB', (tf.backend().wasm.HEAPU8.length / 1e6).toFixed(0));
  }
}
const shapes = rows.map((r) => ({ width: k + r.inputIds.length, decoderWidth: 2, targets: 2 }));
console.log('plan', JSON.stringify(planTrainingStep(model, shapes)).slice(0, 200));
{
  const prof = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => tf.neg(tf.sum(targetLogProbs(model, prompt, rows, { recompute: process.env.RC === 'true' }).logProbs)), [prompt]);
    return [value, grads[prompt.name]];
  });
  tf.dispose(await prof.result);
  const by = new Map();
  for (const kk of prof.kernels) { const e = by.get(kk.name) ?? { n: 0, bytes: 0, max: 0 }; e.n++; e.bytes += kk.bytesAdded; e.max = Math.max(e.max, kk.totalBytesSnapshot); by.set(kk.name, e); }
  console.log([...by].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 12).map(([n, e]) => `${n} x${e.n} +${(e.bytes / 1e6).toFixed(0)}MB`).join('\n'));
  const top = prof.kernels.reduce((a, b) => (b.totalBytesSnapshot > a.totalBytesSnapshot ? b : a));
  console.log('peak at kernel', top.name, top.inputShapes, top.outputShapes);
}
