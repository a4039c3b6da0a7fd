import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadHfLlama } from '../checkpoint/hf-llama.js';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath, maxAbsDiff, referenceInputs, referenceOutput, rows } from '../test-support/assets.js';
import { describeEachBackend, tolerance } from '../test-support/backends.js';
import { fingerprintParameters } from './fingerprint.js';
import { generate } from './generate.js';
import { LlamaModel } from './llama.js';

const inputs = referenceInputs();

describeEachBackend('Llama vs Hugging Face transformers (reference/llama-tiny)', (backend) => {
  let model: LlamaModel;
  const atol = tolerance(backend);

  beforeAll(async () => {
    const { config, params } = await loadHfLlama(localFileSource(assetPath('reference', 'llama-tiny')));
    model = new LlamaModel(config, params, await fingerprintParameters(params));
  });
  afterAll(() => model.dispose());

  it('logits from input ids', async () => {
    const logits = model.forward({ ids: rows(inputs.llama_ids!.input_ids!) });
    const expected = referenceOutput('llama_ids.logits');
    expect(logits.shape).toEqual(expected.shape);
    expect(maxAbsDiff(await logits.data(), expected.data)).toBeLessThanOrEqual(atol);
    logits.dispose();
  });

  it('logits from input embeddings', async () => {
    const raw = inputs.llama_embeds!.inputs_embeds!;
    if (typeof raw === 'number') throw new Error('bad reference');
    const embeddings = tf.tensor3d(raw.data, raw.shape as [number, number, number]);
    const logits = model.forward({ embeddings });
    expect(maxAbsDiff(await logits.data(), referenceOutput('llama_embeds.logits').data)).toBeLessThanOrEqual(atol);
    tf.dispose([embeddings, logits]);
  });

  it('embed(ids) feeds forward exactly like ids', async () => {
    const ids = rows(inputs.llama_ids!.input_ids!);
    const embeddings = model.embed(ids);
    const [fromIds, fromEmbeds] = [model.forward({ ids }), model.forward({ embeddings })];
    expect(maxAbsDiff(await fromIds.data(), await fromEmbeds.data())).toBe(0);
    tf.dispose([embeddings, fromIds, fromEmbeds]);
  });

  it('a right-padded batch with an attention mask', async () => {
    const batch = inputs.llama_batch!;
    const logits = model.forward({ ids: rows(batch.input_ids!), attentionMask: rows(batch.attention_mask!) });
    const expected = referenceOutput('llama_batch.logits');
    const mask = rows(batch.attention_mask!).flat();
    const got = await logits.data();
    const vocab = model.vocabSize;
    // Compare real positions (padding positions' logits are unspecified).
    mask.forEach((m, position) => {
      if (!m) return;
      const slice = (a: ArrayLike<number>) => Array.prototype.slice.call(a, position * vocab, (position + 1) * vocab) as number[];
      expect(maxAbsDiff(slice(got), slice(expected.data))).toBeLessThanOrEqual(atol);
    });
    logits.dispose();
  });

  it('greedy generation with the KV cache gives the same ids', async () => {
    const greedy = inputs.llama_greedy!;
    const prompt = rows(greedy.input_ids!)[0]!;
    const result = await generate(model, [prompt], { maxNewTokens: greedy.max_new_tokens as number, temperature: 0 });
    const expected = Array.from(referenceOutput('llama_greedy.sequences').data);
    expect([...prompt, ...result.tokens[0]!]).toEqual(expected);
  });
});
