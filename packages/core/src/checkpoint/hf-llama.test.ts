import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { parseSafetensors, serializeSafetensors, toFloat32 } from '../safetensors/safetensors.js';
import { assetPath } from '../test-support/assets.js';
import { memoryFileSource } from './file-source.js';
import { loadHfLlama } from './hf-llama.js';
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
    const scaled = { 'config.json': encode({ ...config, rope_parameters: { rope_type: 'llama3', rope_theta: 10000 } }), 'model.safetensors': weightBytes };
    await expect(loadHfLlama(source(scaled))).rejects.toMatchObject({ code: 'UNSUPPORTED_ARCHITECTURE', message: expect.stringMatching(/llama3/) });
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
