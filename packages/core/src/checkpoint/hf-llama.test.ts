import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { parseSafetensors, serializeSafetensors, toFloat32 } from '../safetensors/safetensors.js';
import { assetPath } from '../test-support/assets.js';
import { memoryFileSource } from './file-source.js';
import { llamaConfigFromHf, llamaConfigToHf, loadHfLlama } from './hf-llama.js';
import { loadModel, requireTokenizer } from './load-model.js';

const configBytes = new Uint8Array(readFileSync(assetPath('reference', 'llama-tiny', 'config.json')));
const weightBytes = new Uint8Array(readFileSync(assetPath('reference', 'llama-tiny', 'model.safetensors')));
const config = JSON.parse(new TextDecoder().decode(configBytes)) as Record<string, unknown>;
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function source(files: Record<string, Uint8Array>) {
  return memoryFileSource(new Map(Object.entries(files)), 'llama-tiny-copy');
}

/** Splits the reference checkpoint into two shards with an index, as large Hub checkpoints are. */
function shard(): Record<string, Uint8Array> {
  const tensors = [...parseSafetensors(weightBytes).tensors].map(
    ([name, entry]) => [name, { dtype: 'F32' as const, shape: entry.shape, data: toFloat32(entry, name) }] as const,
  );
  const half = Math.ceil(tensors.length / 2);
  const parts = [tensors.slice(0, half), tensors.slice(half)];
  const names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  const weightMap = Object.fromEntries(parts.flatMap((part, i) => part.map(([name]) => [name, names[i]!])));
  return {
    'config.json': configBytes,
    'model.safetensors.index.json': encode({ metadata: {}, weight_map: weightMap }),
    [names[0]!]: serializeSafetensors(parts[0]!),
    [names[1]!]: serializeSafetensors(parts[1]!),
  };
}

describe('Hugging Face Llama loader', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('a sharded checkpoint loads the same parameters and fingerprint as the single file', async () => {
    const single = await loadModel(source({ 'config.json': configBytes, 'model.safetensors': weightBytes }));
    const sharded = await loadModel(source(shard()));
    expect(sharded.model.fingerprint).toBe(single.model.fingerprint);
    const ids = [[1, 15, 200, 33]];
    expect(await sharded.model.forward({ ids }).data()).toEqual(await single.model.forward({ ids }).data());
  });

  it('a config that does not match the weights names the tensor', async () => {
    const files = { 'config.json': encode({ ...config, hidden_size: 32, head_dim: 8 }), 'model.safetensors': weightBytes };
    await expect(loadModel(source(files))).rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(/embed_tokens\.weight.*\[512, 64\].*\[512, 32\]/) });
    const fewer = { 'config.json': encode({ ...config, num_hidden_layers: 1 }), 'model.safetensors': weightBytes };
    await expect(loadModel(source(fewer))).rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(/model\.layers\.1\./) });
    const more = { 'config.json': encode({ ...config, num_hidden_layers: 3 }), 'model.safetensors': weightBytes };
    await expect(loadModel(source(more))).rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(/missing tensor "model\.layers\.2\./) });
  });

  it('refuses other architectures and unsupported features', async () => {
    const t5 = { 'config.json': encode({ model_type: 't5', architectures: ['T5ForConditionalGeneration'] }), 'model.safetensors': weightBytes };
    await expect(loadHfLlama(source(t5))).rejects.toMatchObject({ code: 'UNSUPPORTED_ARCHITECTURE' });
    const yarn = { 'config.json': encode({ ...config, rope_parameters: { rope_type: 'yarn', factor: 4, rope_theta: 10000 } }), 'model.safetensors': weightBytes };
    await expect(loadHfLlama(source(yarn))).rejects.toMatchObject({ code: 'UNSUPPORTED_ARCHITECTURE', message: expect.stringMatching(/rope type "yarn" is not supported \(supported: default, linear, llama3\)/) });
    const mlpBias = { 'config.json': encode({ ...config, mlp_bias: true }), 'model.safetensors': weightBytes };
    await expect(loadHfLlama(source(mlpBias))).rejects.toMatchObject({ code: 'UNSUPPORTED_ARCHITECTURE', message: expect.stringMatching(/mlp_bias/) });
    const sliding = { 'config.json': encode({ ...config, model_type: 'qwen2', use_sliding_window: true }), 'model.safetensors': weightBytes };
    await expect(loadHfLlama(source(sliding))).rejects.toMatchObject({ code: 'UNSUPPORTED_ARCHITECTURE', message: expect.stringMatching(/sliding-window/) });
  });

  it('a qwen2 config needs the q/k/v biases, and a llama config refuses them', async () => {
    // llama-tiny's weights have no biases: as qwen2 they are missing.
    const asQwen2 = { 'config.json': encode({ ...config, model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'] }), 'model.safetensors': weightBytes };
    await expect(loadModel(source(asQwen2))).rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(/missing tensor "model\.layers\.0\.self_attn\.q_proj\.bias" \(expected shape \[64\]\)/) });
    const qwen2 = readFileSync(assetPath('reference-scale', 'qwen2', 'model.safetensors'));
    const qwenConfig = JSON.parse(readFileSync(assetPath('reference-scale', 'qwen2', 'config.json'), 'utf8')) as Record<string, unknown>;
    const asLlama = { 'config.json': encode({ ...qwenConfig, model_type: 'llama', architectures: ['LlamaForCausalLM'] }), 'model.safetensors': new Uint8Array(qwen2) };
    await expect(loadHfLlama(source(asLlama))).rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(/not described by config\.json: .*q_proj\.bias/) });
  });
  it('missing or broken files are clear errors', async () => {
    await expect(loadHfLlama(source({ 'config.json': configBytes }))).rejects.toMatchObject({ code: 'CHECKPOINT_NOT_FOUND', message: expect.stringMatching(/model\.safetensors/) });
    const truncated = { 'config.json': configBytes, 'model.safetensors': weightBytes.subarray(0, weightBytes.length - 100) };
    await expect(loadHfLlama(source(truncated))).rejects.toMatchObject({ code: 'SAFETENSORS_INVALID', message: expect.stringMatching(/truncated/) });
    await expect(loadHfLlama(source({ 'config.json': encode('x').subarray(1, 2), 'model.safetensors': weightBytes }))).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
  });

  it('a checkpoint without tokenizer.json loads, and asking for its tokenizer says what is missing', async () => {
    const loaded = await loadModel(source({ 'config.json': configBytes, 'model.safetensors': weightBytes }));
    expect(() => requireTokenizer(loaded)).toThrow(/no tokenizer/);
  });
});

describe('llamaConfigFromHf', () => {
  const where = 'config.json';

  it('keeps every id of a list eos_token_id (eosId is the first)', () => {
    expect(llamaConfigFromHf({ ...config, eos_token_id: [128001, 128008, 128009] }, where)).toMatchObject({ eosId: 128001, eosIds: [128001, 128008, 128009] });
    expect(llamaConfigFromHf({ ...config, eos_token_id: 7 }, where)).toMatchObject({ eosId: 7, eosIds: [7] });
    for (const bad of [[], ['2'], [2, -1], 'x']) {
      expect(() => llamaConfigFromHf({ ...config, eos_token_id: bad }, where)).toThrow(/config\.json: "eos_token_id" must be a token id or a non-empty list/);
    }
  });

  it('reads rope scaling from rope_scaling or rope_parameters, with rope_theta from either place', () => {
    const llama3 = { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    const expected = { ropeTheta: 500000, ropeScaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 } };
    expect(llamaConfigFromHf({ ...config, rope_theta: 500000, rope_scaling: llama3 }, where)).toMatchObject(expected);
    expect(llamaConfigFromHf({ ...config, rope_theta: undefined, rope_parameters: { ...llama3, rope_theta: 500000 } }, where)).toMatchObject(expected);
    expect(llamaConfigFromHf({ ...config, rope_scaling: { type: 'linear', factor: 2 } }, where)).toMatchObject({ ropeScaling: { type: 'linear', factor: 2 } });
    expect(llamaConfigFromHf({ ...config, rope_scaling: null }, where)).toMatchObject({ ropeTheta: 10000, ropeScaling: { type: 'default' } });
    expect(() => llamaConfigFromHf({ ...config, rope_parameters: { rope_type: 'llama3', rope_theta: 10000 } }, where)).toThrow(/config\.json: "rope_parameters\.factor" must be a number, got undefined/);
    expect(() => llamaConfigFromHf({ ...config, rope_scaling: { ...llama3, high_freq_factor: 1 } }, where)).toThrow(/highFreqFactor > lowFreqFactor/);
    expect(() => llamaConfigFromHf({ ...config, rope_parameters: { rope_type: 'default', rope_theta: 10000, partial_rotary_factor: 0.5 } }, where)).toThrow(/partial_rotary_factor 0\.5 is not supported/);
  });

  it('maps attention biases: qwen2 on q/k/v, Llama attention_bias on q/k/v/o', () => {
    expect(llamaConfigFromHf({ ...config, model_type: 'qwen2' }, where).attentionBias).toBe('qkv');
    expect(llamaConfigFromHf({ ...config, model_type: undefined, architectures: ['Qwen2ForCausalLM'] }, where).attentionBias).toBe('qkv');
    expect(llamaConfigFromHf({ ...config, attention_bias: true }, where).attentionBias).toBe('qkvo');
    expect(llamaConfigFromHf(config, where).attentionBias).toBe('none');
  });

  it('llamaConfigToHf writes what llamaConfigFromHf reads back', () => {
    for (const raw of [
      { ...config, model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], tie_word_embeddings: true },
      { ...config, attention_bias: true, eos_token_id: [2, 3], rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 } },
      { ...config, rope_scaling: { rope_type: 'linear', factor: 4 } },
    ]) {
      const parsed = llamaConfigFromHf(raw, where);
      expect(llamaConfigFromHf(llamaConfigToHf(parsed), where)).toEqual(parsed);
    }
  });
});
