import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LlamaModel } from '../model/llama.js';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath, maxAbsDiff, referenceScaleOutputs, requireTensor, rows, type ReferenceTensor } from '../test-support/assets.js';
import { describeEachBackend, tolerance } from '../test-support/backends.js';
import { parseSafetensors, serializeSafetensors, toFloat32 } from '../safetensors/safetensors.js';
import { memoryFileSource, type FileSource } from './file-source.js';
import { loadModel } from './load-model.js';

/** Largest |ours - HF| over the positions where `mask` is 1 (padding positions' logits are implementation-defined). */
async function maskedMaxDiff(logits: tf.Tensor3D, expected: ReferenceTensor, mask?: number[][]): Promise<number> {
  expect(logits.shape).toEqual(expected.shape);
  const got = await logits.data();
  const vocab = logits.shape[2];
  const real = mask?.flat() ?? Array.from({ length: logits.shape[0] * logits.shape[1] }, () => 1);
  let max = 0;
  real.forEach((m, position) => {
    if (m) max = Math.max(max, maxAbsDiff(got.subarray(position * vocab, (position + 1) * vocab), expected.data.subarray(position * vocab, (position + 1) * vocab)));
  });
  return max;
}

async function loadLlama(source: FileSource): Promise<LlamaModel> {
  const { model } = await loadModel(source);
  return model as LlamaModel;
}

const QWEN2 = assetPath('reference-scale', 'qwen2');

describeEachBackend('Qwen2 vs Hugging Face transformers (reference-scale/qwen2)', (backend) => {
  const refs = referenceScaleOutputs('qwen2');
  const atol = tolerance(backend);
  let model: LlamaModel;

  beforeAll(async () => {
    model = await loadLlama(localFileSource(QWEN2));
  });
  afterAll(() => model.dispose());

  it('loads as a tied Llama with q/k/v biases', () => {
    expect(model.config).toMatchObject({ attentionBias: 'qkv', tiedEmbeddings: true, ropeTheta: 1e6, ropeScaling: { type: 'default' }, eosIds: [511] });
  });

  it('logits from input ids', async () => {
    const logits = model.forward({ ids: rows(requireTensor(refs, 'input_ids')) });
    expect(await maskedMaxDiff(logits, requireTensor(refs, 'logits'))).toBeLessThanOrEqual(atol);
    logits.dispose();
  });

  it('a right-padded batch with an attention mask', async () => {
    const attentionMask = rows(requireTensor(refs, 'batch_right_padded.attention_mask'));
    const logits = model.forward({ ids: rows(requireTensor(refs, 'batch_right_padded.input_ids')), attentionMask });
    expect(await maskedMaxDiff(logits, requireTensor(refs, 'batch_right_padded.logits'), attentionMask)).toBeLessThanOrEqual(atol);
    logits.dispose();
  });

  it('a left-padded batch with an attention mask and explicit positions', async () => {
    const attentionMask = rows(requireTensor(refs, 'batch_left_padded.attention_mask'));
    const positions = rows(requireTensor(refs, 'batch_left_padded.position_ids'));
    const logits = model.forward({ ids: rows(requireTensor(refs, 'batch_left_padded.input_ids')), attentionMask, positions });
    expect(await maskedMaxDiff(logits, requireTensor(refs, 'batch_left_padded.logits'), attentionMask)).toBeLessThanOrEqual(atol);
    logits.dispose();
  });

  it('exports the biases with the weights, so a trainable copy computes the same logits', async () => {
    const exported = await model.exportParameters();
    const stored = [...parseSafetensors(readFileSync(`${QWEN2}/model.safetensors`)).tensors.keys()];
    expect([...exported.keys()].sort()).toEqual(stored.sort());
    expect(exported.get('model.layers.1.self_attn.v_proj.bias')?.shape).toEqual([32]);
    const copy = await model.trainableCopy();
    const ids = rows(requireTensor(refs, 'input_ids'));
    const [a, b] = [model.forward({ ids }), copy.forward({ ids })];
    expect(maxAbsDiff(await a.data(), await b.data())).toBeLessThanOrEqual(atol);
    tf.dispose([a, b]);
    copy.dispose();
  });

  it("as a Llama with attention_bias: true, a zero o_proj bias gives Qwen2's logits and a non-zero one moves them", async () => {
    const qwen2 = [...parseSafetensors(readFileSync(`${QWEN2}/model.safetensors`)).tensors].map(([name, entry]) => [name, { dtype: 'F32' as const, shape: entry.shape, data: toFloat32(entry, name) }] as const);
    const llamaConfig = { ...JSON.parse(readFileSync(`${QWEN2}/config.json`, 'utf8')), model_type: 'llama', architectures: ['LlamaForCausalLM'], attention_bias: true };
    const withOBias = (value: number) =>
      memoryFileSource(new Map([
        ['config.json', new TextEncoder().encode(JSON.stringify(llamaConfig))],
        ['model.safetensors', serializeSafetensors([...qwen2, ...[0, 1].map((i) => [`model.layers.${i}.self_attn.o_proj.bias`, { dtype: 'F32' as const, shape: [64], data: new Float32Array(64).fill(value) }] as const)])],
      ]), 'qwen2-as-llama');
    const ids = rows(requireTensor(refs, 'input_ids'));
    const zero = await loadLlama(withOBias(0));
    expect(zero.config.attentionBias).toBe('qkvo');
    const logits = zero.forward({ ids });
    expect(await maskedMaxDiff(logits, requireTensor(refs, 'logits'))).toBeLessThanOrEqual(atol);
    const shifted = await loadLlama(withOBias(0.5));
    const moved = shifted.forward({ ids });
    expect(await maskedMaxDiff(moved, requireTensor(refs, 'logits'))).toBeGreaterThan(0.01);
    tf.dispose([logits, moved]);
    zero.dispose();
    shifted.dispose();
  });
});

const LLAMA3 = assetPath('reference-scale', 'llama3-rope');
/** The llama3-rope folder with `configFile` as its config.json. */
const llama3Folder = (configFile: string): FileSource =>
  memoryFileSource(
    new Map([
      ['config.json', new Uint8Array(readFileSync(`${LLAMA3}/${configFile}`))],
      ['model.safetensors', new Uint8Array(readFileSync(`${LLAMA3}/model.safetensors`))],
    ]),
    `llama3-rope (${configFile})`,
  );

describeEachBackend('Llama 3 RoPE scaling vs Hugging Face transformers (reference-scale/llama3-rope)', (backend) => {
  const refs = referenceScaleOutputs('llama3-rope');
  const atol = tolerance(backend);

  it.each([
    ['rope_scaling + rope_theta, as Llama 3.1/3.2 repos write it', 'config.json'],
    ['rope_parameters, as transformers 5.18 saves it', 'config.saved-by-transformers-5.18.json'],
  ])('%s', async (_, configFile) => {
    const model = await loadLlama(llama3Folder(configFile));
    expect(model.config.ropeScaling).toEqual({ type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 });
    expect(model.config.ropeTheta).toBe(500000);
    expect(model.config.eosIds).toEqual([2, 3]);
    const logits = model.forward({ ids: rows(requireTensor(refs, 'input_ids')) });
    expect(await maskedMaxDiff(logits, requireTensor(refs, 'logits'))).toBeLessThanOrEqual(atol);
    logits.dispose();
    model.dispose();
  });
});
