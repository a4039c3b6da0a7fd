import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { fingerprintParameters } from '../model/fingerprint.js';
import type { HostTensor } from '../model/parameters.js';
import { T5Model } from '../model/t5.js';
import { serializeSafetensors } from '../safetensors/safetensors.js';
import { assetPath, maxAbsDiff } from '../test-support/assets.js';
import { memoryFileSource } from './file-source.js';
import { loadHfT5, t5ConfigFromHf, t5ConfigToHf } from './hf-t5.js';
import { loadModel } from './load-model.js';
import { localFileSource } from '../node/local-file-source.js';

const configBytes = new Uint8Array(readFileSync(assetPath('reference', 't5-tiny', 'config.json')));
const weightBytes = new Uint8Array(readFileSync(assetPath('reference', 't5-tiny', 'model.safetensors')));
const config = JSON.parse(new TextDecoder().decode(configBytes)) as Record<string, unknown>;
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const IDS = [[13, 7, 42, 100, 5, 1]];
const DECODER_IDS = [[0, 13, 7]];

function source(files: Record<string, Uint8Array>) {
  return memoryFileSource(new Map(Object.entries(files)), 't5-tiny-copy');
}

function weights(params: ReadonlyMap<string, HostTensor>): Uint8Array {
  return serializeSafetensors([...params].map(([name, t]) => [name, { dtype: 'F32' as const, shape: t.shape, data: t.data }] as const));
}

describe('Hugging Face T5 loader', () => {
  let params: Map<string, HostTensor>;

  beforeAll(async () => {
    await initBackend('cpu');
    params = (await loadHfT5(localFileSource(assetPath('reference', 't5-tiny')))).params;
  });

  it('reads t5-tiny: shared.weight once, untied lm_head, gated-gelu', async () => {
    const { config: parsed } = await loadHfT5(source({ 'config.json': configBytes, 'model.safetensors': weightBytes }));
    expect(parsed).toMatchObject({ architecture: 't5', dModel: 64, dKv: 16, dFf: 128, nLayers: 2, nDecoderLayers: 2, nHeads: 4, feedForward: 'gated-gelu', tiedEmbeddings: false, eosId: 1, decoderStartId: 0 });
    expect(params.has('shared.weight')).toBe(true);
    expect(params.has('lm_head.weight')).toBe(true);
    expect([...params.keys()].some((name) => name.includes('embed_tokens'))).toBe(false);
    expect(t5ConfigFromHf(t5ConfigToHf(parsed), 'round trip')).toEqual(parsed);
  });

  it('loadModel dispatches on model_type: a T5 folder becomes a T5Model', async () => {
    const loaded = await loadModel(source({ 'config.json': configBytes, 'model.safetensors': weightBytes }));
    expect(loaded.format).toBe('hf');
    expect(loaded.model).toBeInstanceOf(T5Model);
    expect(loaded.model.architecture).toBe('t5');
    expect(loaded.model.fingerprint).toBe(await fingerprintParameters(params));
    const unknown = { 'config.json': encode({ ...config, model_type: 'bert', architectures: ['BertModel'] }), 'model.safetensors': weightBytes };
    await expect(loadModel(source(unknown))).rejects.toMatchObject({ code: 'UNSUPPORTED_ARCHITECTURE', message: expect.stringMatching(/"bert".*llama, qwen2, t5/) });
  });

  it('a sharded checkpoint loads the same parameters and logits as the single file', async () => {
    const entries = [...params];
    const half = Math.ceil(entries.length / 2);
    const names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    const parts = [new Map(entries.slice(0, half)), new Map(entries.slice(half))];
    const weightMap = Object.fromEntries(parts.flatMap((part, i) => [...part.keys()].map((name) => [name, names[i]!])));
    const sharded = await loadModel(source({
      'config.json': configBytes,
      'model.safetensors.index.json': encode({ metadata: {}, weight_map: weightMap }),
      [names[0]!]: weights(parts[0]!),
      [names[1]!]: weights(parts[1]!),
    }));
    const single = await loadModel(source({ 'config.json': configBytes, 'model.safetensors': weightBytes }));
    expect(sharded.model.fingerprint).toBe(single.model.fingerprint);
    const a = await sharded.model.forward({ ids: IDS }, { ids: DECODER_IDS }).data();
    const b = await single.model.forward({ ids: IDS }, { ids: DECODER_IDS }).data();
    expect(maxAbsDiff(a, b)).toBe(0);
  });

  it('embed_tokens aliases stand in for shared.weight and count once in the fingerprint', async () => {
    const table = params.get('shared.weight')!;
    const aliased = new Map(params);
    aliased.delete('shared.weight');
    aliased.set('encoder.embed_tokens.weight', table);
    aliased.set('decoder.embed_tokens.weight', table);
    // An old checkpoint's unused cross-attention bias table is ignored, as Hugging Face does.
    aliased.set('decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight', params.get('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight')!);
    const loaded = await loadHfT5(source({ 'config.json': configBytes, 'model.safetensors': weights(aliased) }));
    expect([...loaded.params.keys()].sort()).toEqual([...params.keys()].sort());
    expect(await fingerprintParameters(loaded.params)).toBe(await fingerprintParameters(params));
  });

  it('a tied checkpoint drops lm_head and embed_tokens copies of the table', async () => {
    const tied = new Map(params);
    tied.set('lm_head.weight', params.get('shared.weight')!);
    tied.set('encoder.embed_tokens.weight', params.get('shared.weight')!);
    const files = { 'config.json': encode({ ...config, tie_word_embeddings: true }), 'model.safetensors': weights(tied) };
    const loaded = await loadHfT5(source(files));
    expect(loaded.config.tiedEmbeddings).toBe(true);
    expect(loaded.params.has('lm_head.weight')).toBe(false);
    expect(loaded.params.has('encoder.embed_tokens.weight')).toBe(false);
    // HF's T5Config ties by default: a config without the key is an original-T5 (tied) config.
    const { tie_word_embeddings: _dropped, ...withoutKey } = config;
    expect(t5ConfigFromHf(withoutKey, 'config').tiedEmbeddings).toBe(true);
  });

  it('missing, misshapen and unexpected tensors are CONFIG_MISMATCH naming the tensor', async () => {
    const missing = new Map(params);
    missing.delete('decoder.block.1.layer.1.EncDecAttention.k.weight');
    await expect(loadModel(source({ 'config.json': configBytes, 'model.safetensors': weights(missing) }))).rejects.toMatchObject({
      code: 'CONFIG_MISMATCH', message: expect.stringMatching(/missing tensor "decoder\.block\.1\.layer\.1\.EncDecAttention\.k\.weight"/),
    });
    const narrow = { 'config.json': encode({ ...config, d_ff: 64 }), 'model.safetensors': weightBytes };
    await expect(loadModel(source(narrow))).rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(/wi_0\.weight.*\[128, 64\].*\[64, 64\]/) });
    const fewer = { 'config.json': encode({ ...config, num_decoder_layers: 1 }), 'model.safetensors': weightBytes };
    await expect(loadHfT5(source(fewer))).rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(/not described by config\.json: decoder\.block\.1\./) });
    const relu = { 'config.json': encode({ ...config, feed_forward_proj: 'relu' }), 'model.safetensors': weightBytes };
    await expect(loadModel(source(relu))).rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(/not described by config\.json: .*DenseReluDense\.wi_0\.weight/) });
  });

  it('refuses unsupported feed-forward variants, other architectures and broken files with coded errors', async () => {
    const silu = { 'config.json': encode({ ...config, feed_forward_proj: 'gated-silu' }), 'model.safetensors': weightBytes };
    await expect(loadModel(source(silu))).rejects.toMatchObject({ code: 'UNSUPPORTED_ARCHITECTURE', message: expect.stringMatching(/feed_forward_proj "gated-silu".*relu, gated-gelu/) });
    const llama = { 'config.json': encode({ model_type: 'llama' }), 'model.safetensors': weightBytes };
    await expect(loadHfT5(source(llama))).rejects.toMatchObject({ code: 'UNSUPPORTED_ARCHITECTURE' });
    await expect(loadHfT5(source({ 'config.json': configBytes }))).rejects.toMatchObject({ code: 'CHECKPOINT_NOT_FOUND', message: expect.stringMatching(/model\.safetensors/) });
    const noHeads = { 'config.json': encode({ ...config, num_heads: undefined }), 'model.safetensors': weightBytes };
    await expect(loadHfT5(source(noHeads))).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID', message: expect.stringMatching(/num_heads/) });
    const badStart = { 'config.json': encode({ ...config, decoder_start_token_id: 40000 }), 'model.safetensors': weightBytes };
    await expect(loadHfT5(source(badStart))).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID', message: expect.stringMatching(/decoderStartId/) });
  });
});
