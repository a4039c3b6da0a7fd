import { initBackend } from '@ptune/core';
import { loadModelFromSpec } from '@ptune/core/node';
import * as tf from '@tensorflow/tfjs-core';
const be = process.argv[2], b = +process.argv[3];
await initBackend(be);
console.log(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'), tf.env().getBool('WASM_HAS_SIMD_SUPPORT'));
const { model } = await loadModelFromSpec('stories260K');
const ids = Array.from({length:b}, (_, r) => Array.from({length:8}, (_, i) => 1 + ((r*7+i*13) % 500)));
let s = model.prefill({ids}); await s.logits.data();
for (let i=0;i<5;i++){ const n=model.decodeStep(s, Array(b).fill(5)); s.dispose(); s=n; await s.logits.data(); }
const prof = await tf.profile(async () => { for (let i=0;i<10;i++){ const n=model.decodeStep(s, Array(b).fill(5)); s.dispose(); s=n; await s.logits.data(); } });
const agg = {};
for (const k of prof.kernels) { const key=k.name; agg[key] ??= {n:0,ms:0}; agg[key].n++; agg[key].ms += (typeof k.kernelTimeMs==='number'?k.kernelTimeMs:0); }
const tot = Object.values(agg).reduce((a,v)=>a+v.ms,0);
console.log('kernels/step', prof.kernels.length/10, 'kernel ms/step', (tot/10).toFixed(2));
console.log(Object.entries(agg).sort((a,c)=>c[1].ms-a[1].ms).slice(0,12).map(([k,v])=>`${k} n=${v.n/10} ${(v.ms/10).toFixed(2)}ms`).join('\n'));
const t=performance.now(); for (let i=0;i<20;i++){ const n=model.decodeStep(s, Array(b).fill(5)); s.dispose(); s=n; await s.logits.data(); } console.log('wall ms/step', ((performance.now()-t)/20).toFixed(2));
