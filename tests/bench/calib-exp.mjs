import * as tf from '@tensorflow/tfjs-core';
import { initBackend, targetLogProbs, rankCandidates } from '@ptune/core';
import '@ptune/core/train';
import { randomModel } from './scale-models.mjs';
import { passBytes, contextBytes } from '../../packages/core/dist/memory/pass-cost.js';
await initBackend(process.env.B ?? 'wasm');
for (const name of (process.env.MS ?? 'flan-t5-small,SmolLM2-135M').split(',')) {
  const model = randomModel(name);
  const t5 = model.architecture === 't5';
  for (const [batch, inLen] of (process.env.SHAPES ? JSON.parse(process.env.SHAPES) : [[2, 64], [8, 64], [4, 200]])) {
    const k = 20;
    const prompt = tf.variable(tf.randomNormal([k, model.dModel], 0, 0.5));
    const rows = Array.from({ length: batch }, (_, r) => ({ inputIds: Array.from({ length: inLen }, (_, i) => 3 + ((r * 31 + i * 17) % 30000)), targetIds: [1000 + r, 1] }));
    for (const mode of ['taped', 'recompute']) {
      const base = tf.memory().numBytes;
      const prof = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => tf.neg(tf.sum(targetLogProbs(model, prompt, rows, { recompute: mode === 'recompute' }).logProbs)), [prompt]);
        return [value, grads[prompt.name]];
      });
      tf.dispose(await prof.result);
      const width = k + inLen + (t5 ? 0 : 2);
      const est = passBytes(model.dims, { rows: batch, width, decoderWidth: 2, scoredTokens: 2 * batch }, mode);
      console.log(name, mode, batch, width, 'measured', ((prof.peakBytes - base) / 1e6).toFixed(0), 'est', (est / 1e6).toFixed(0), 'ratio', ((prof.peakBytes - base) / est).toFixed(2));
    }
    // inference rank: batch queries x 2 candidates
    const base = tf.memory().numBytes;
    const prof = await tf.profile(async () => { await rankCandidates(model, rows.map((r) => ({ prompt, inputIds: r.inputIds, candidates: [[1000], [1001, 7]] }))); return tf.scalar(0); });
    const width = k + inLen;
    const est = contextBytes(model.dims, batch, width) + passBytes(model.dims, { rows: batch, width }, 'inference');
    console.log(name, 'rank', batch, width, 'measured', ((prof.peakBytes - base) / 1e6).toFixed(0), 'est', (est / 1e6).toFixed(0), 'ratio', ((prof.peakBytes - base) / est).toFixed(2));
    prompt.dispose();
  }
  model.dispose();
}
