import { describe, expect, it } from 'vitest';
import { createRng } from '../model/sampling.js';
import { serializeSafetensors } from '../safetensors/safetensors.js';
import { decodeTrainingState, encodeTrainingState, type TrainingState } from './training-state.js';

function values(length: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = Float32Array.from({ length }, () => (rng() - 0.5) * 10 ** Math.floor(rng() * 12 - 6));
  out.set([-0, 1e-40 /* subnormal */, 3.4028234663852886e38, Number.POSITIVE_INFINITY].slice(0, length), 0);
  return out;
}

const bits = (data: Float32Array) => Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));

const state: TrainingState = {
  step: 40,
  variables: [{ shape: [4, 64], data: values(256, 1) }, { shape: [3], data: values(3, 2) }],
  best: { step: 30, metric: 0.8125, variables: [values(256, 3), values(3, 4)] },
  evalsWithoutImprovement: 1,
  optimizer: {
    name: 'adafactor',
    stepCount: 40,
    slots: { '0.exp_avg_sq_row': { shape: [4], data: values(4, 5) }, '0.exp_avg_sq_col': { shape: [64], data: values(64, 6) }, '1.exp_avg_sq': { shape: [3], data: values(3, 7) } },
  },
  losses: [{ step: 39, loss: 0.6931471805599453 }, { step: 40, loss: 0.1 + 0.2 }],
  evals: [{ step: 30, metrics: { accuracy: 0.8125, macroF1: 0.8 } }, { step: 40, metrics: { accuracy: 0.75, macroF1: 0.7 } }],
  elapsedMs: 12345.5,
  context: { task: 'sst2', prompt: { promptLength: 4, init: { method: 'class-label' } }, fingerprint: 'abc' },
};

const invalid = (message: RegExp) => expect.objectContaining({ code: 'TRAINING_STATE_INVALID', message: expect.stringMatching(message) });

describe('training-state checkpoints', () => {
  it('round-trip bit-exactly, float edge cases and JSON fields included', () => {
    const decoded = decodeTrainingState(encodeTrainingState(state), 'run.ckpt');
    expect(decoded).toEqual(state);
    decoded.variables.forEach((v, i) => expect(bits(v.data)).toEqual(bits(state.variables[i]!.data)));
    decoded.best!.variables.forEach((data, i) => expect(bits(data)).toEqual(bits(state.best!.variables[i]!)));
    for (const [key, slot] of Object.entries(state.optimizer.slots)) expect(bits(decoded.optimizer.slots[key]!.data)).toEqual(bits(slot.data));
    expect(Object.is(decoded.variables[0]!.data[0], -0)).toBe(true);
  });

  it('round-trip a checkpoint taken before the first evaluation and step', () => {
    const early: TrainingState = { ...state, step: 0, best: null, optimizer: { name: 'adam', stepCount: 0, slots: {} }, losses: [], evals: [], context: {} };
    expect(decodeTrainingState(encodeTrainingState(early), 'early.ckpt')).toEqual(early);
  });

  it('corrupt bytes and other files are TRAINING_STATE_INVALID naming the source', () => {
    const bytes = encodeTrainingState(state);
    expect(() => decodeTrainingState(bytes.subarray(0, bytes.length - 10), 'cut.ckpt')).toThrow(invalid(/^cut\.ckpt: not a training checkpoint/));
    expect(() => decodeTrainingState(new TextEncoder().encode('{"step": 3}'), 'state.json')).toThrow(invalid(/^state\.json: /));
    expect(() => decodeTrainingState(new Uint8Array(0), 'empty.ckpt')).toThrow(invalid(/^empty\.ckpt: /));
    // A prompt artifact or model weights: valid safetensors without the training-state header.
    const artifact = serializeSafetensors([['prompt_embeddings', { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) }]], { 'ptune.manifest': '{}' });
    expect(() => decodeTrainingState(artifact, 'prompt.safetensors')).toThrow(invalid(/prompt\.safetensors: .*no ptune\.training-state metadata/));
  });

  it('a damaged header is TRAINING_STATE_INVALID, not a crash', () => {
    const withHeader = (header: string) => serializeSafetensors([['variable.0', { dtype: 'F32', shape: [2], data: new Float32Array(2) }]], { 'ptune.training-state': header });
    expect(() => decodeTrainingState(withHeader('{"version": 1, "step"'), 'a.ckpt')).toThrow(invalid(/^a\.ckpt: /));
    expect(() => decodeTrainingState(withHeader('{"version": 2}'), 'b.ckpt')).toThrow(invalid(/unknown version 2/));
    expect(() => decodeTrainingState(withHeader('{"version": 1}'), 'c.ckpt')).toThrow(invalid(/^c\.ckpt: /));
    expect(() => decodeTrainingState(withHeader('null'), 'd.ckpt')).toThrow(invalid(/^d\.ckpt: /));
    const header = JSON.parse(new TextDecoder().decode(encodeTrainingState(state)).match(/"ptune\.training-state":("(?:[^"\\]|\\.)*")/)![1]!) as string;
    expect(() => decodeTrainingState(withHeader(header), 'e.ckpt')).toThrow(invalid(/missing tensor variable\.1/));
  });
});
