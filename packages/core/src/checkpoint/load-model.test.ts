import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { llamaParameterShapes } from '../model/llama-config.js';
import type { LlamaModel } from '../model/llama.js';
import { createRng } from '../model/sampling.js';
import { generationStopIds } from '../model/stop-ids.js';
import { serializeSafetensors } from '../safetensors/safetensors.js';
import { assetPath, maxAbsDiff } from '../test-support/assets.js';
import { memoryFileSource } from './file-source.js';
import { llamaConfigFromHf } from './hf-llama.js';
import { loadModel, requireTokenizer } from './load-model.js';

/** A SmolLM2-135M-shaped config, shrunk: tied embeddings, GPT-2's byte-level vocab, GQA. */
const SMOL_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 50257,
  hidden_size: 16,
  intermediate_size: 40,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 256,
  rms_norm_eps: 1e-5,
  rope_theta: 100000,
  tie_word_embeddings: true,
  bos_token_id: 50256,
  eos_token_id: 50256,
};

/** Random weights of the config's shapes (norms near 1), as a model.safetensors. */
function randomWeights(raw: Record<string, unknown>): { bytes: Uint8Array; embedding: Float32Array } {
  const next = createRng(7);
  const tensors = [...llamaParameterShapes(llamaConfigFromHf(raw, 'config.json'))].map(([name, shape]) => {
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (name.endsWith('norm.weight') ? 1 : 0) + (next() - 0.5) * 0.2);
    return [name, { dtype: 'F32' as const, shape, data }] as const;
  });
  return { bytes: serializeSafetensors(tensors), embedding: tensors.find(([name]) => name === 'model.embed_tokens.weight')![1].data };
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const tokenizerFile = (name: string) => new Uint8Array(readFileSync(assetPath('reference-scale', 'tok-gpt2-bytelevel', name)));

describe('a tied Llama with a byte-level tokenizer (SmolLM2 style)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('loads end to end: tokenizer.json + tokenizer_config.json, then encode, forward through the tied head', async () => {
    const { bytes, embedding } = randomWeights(SMOL_CONFIG);
    const files = new Map([
      ['config.json', encode(SMOL_CONFIG)],
      ['model.safetensors', bytes],
      ['tokenizer.json', tokenizerFile('tokenizer.json')],
      ['tokenizer_config.json', tokenizerFile('tokenizer_config.json')],
    ]);
    const loaded = await loadModel(memoryFileSource(files, 'smol'));
    const tokenizer = requireTokenizer(loaded);
    const model = loaded.model as LlamaModel;
    expect(model.config.tiedEmbeddings).toBe(true);

    const ids = tokenizer.encode('Hello world');
    expect(ids).toEqual([15496, 995]); // GPT-2's ids; tokenizer_config.json says add_bos_token: false
    expect(generationStopIds(model, tokenizer)).toEqual([50256]);

    const logits = model.forward({ ids: [ids] });
    expect(logits.shape).toEqual([1, 2, 50257]);
    // The head is the embedding table: logits = hidden @ embedding^T.
    const hidden = model.hiddenStates({ ids: [ids] });
    const expected = tf.matMul(tf.reshape(hidden, [2, 16]), tf.tensor2d(embedding, [50257, 16]), false, true);
    expect(maxAbsDiff(await logits.data(), await expected.data())).toBeLessThan(1e-5);
    tf.dispose([logits, hidden, expected]);
    model.dispose();
  });
});
