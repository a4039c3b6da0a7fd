import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../train/optim/register-gradients.js';
import { loadHfT5 } from '../checkpoint/hf-t5.js';
import { localFileSource } from '../node/local-file-source.js';
import { promptedInput } from '../prompt/prepend.js';
import { assetPath, maxAbsDiff, referenceInputs, referenceOutput, rows } from '../test-support/assets.js';
import { describeEachBackend, tolerance } from '../test-support/backends.js';
import { T5Reference } from '../test-support/t5-reference.js';
import type { HostTensor } from './parameters.js';
import { fingerprintParameters } from './fingerprint.js';
import { generate } from './generate.js';
import { T5Model } from './t5.js';
import { resolveT5Config, type T5Config } from './t5-config.js';

const inputs = referenceInputs();

function tensor3d(raw: unknown): tf.Tensor3D {
  const { data, shape } = raw as { data: number[]; shape: [number, number, number] };
  return tf.tensor3d(data, shape);
}

/** Row `b` of a `[batch, seq, width]` array, positions `[from, to)`. */
function slab(data: ArrayLike<number>, shape: readonly number[], b: number, from: number, to: number): number[] {
  const [, seq, width] = shape as [number, number, number];
  return Array.prototype.slice.call(data, (b * seq + from) * width, (b * seq + to) * width) as number[];
}

describeEachBackend('T5 vs Hugging Face transformers (reference/t5-tiny)', (backend) => {
  let model: T5Model;
  const atol = tolerance(backend);

  beforeAll(async () => {
    const { config, params } = await loadHfT5(localFileSource(assetPath('reference', 't5-tiny')));
    model = new T5Model(config, params, await fingerprintParameters(params));
  });
  afterAll(() => model.dispose());

  it('encoder states and decoder logits from input ids', async () => {
    const ids = rows(inputs.t5_ids!.input_ids!);
    const decoderIds = rows(inputs.t5_ids!.decoder_input_ids!);
    const encoded = model.encode({ ids });
    const logits = model.forward({ ids }, { ids: decoderIds });
    const expectedEncoded = referenceOutput('t5_ids.encoder_last_hidden_state');
    const expectedLogits = referenceOutput('t5_ids.logits');
    expect(encoded.shape).toEqual(expectedEncoded.shape);
    expect(logits.shape).toEqual(expectedLogits.shape);
    expect(maxAbsDiff(await encoded.data(), expectedEncoded.data)).toBeLessThanOrEqual(atol);
    expect(maxAbsDiff(await logits.data(), expectedLogits.data)).toBeLessThanOrEqual(atol);
    tf.dispose([encoded, logits]);
  });

  it('encoder states and decoder logits from input embeddings', async () => {
    const embeddings = tensor3d(inputs.t5_embeds!.inputs_embeds);
    const decoderIds = rows(inputs.t5_embeds!.decoder_input_ids!);
    const encoded = model.encode({ embeddings });
    const logits = model.forward({ embeddings }, { ids: decoderIds });
    expect(maxAbsDiff(await encoded.data(), referenceOutput('t5_embeds.encoder_last_hidden_state').data)).toBeLessThanOrEqual(atol);
    expect(maxAbsDiff(await logits.data(), referenceOutput('t5_embeds.logits').data)).toBeLessThanOrEqual(atol);
    tf.dispose([embeddings, encoded, logits]);
  });

  it('embed(ids) feeds the encoder exactly like ids', async () => {
    const ids = rows(inputs.t5_ids!.input_ids!);
    const embeddings = model.embed(ids);
    const [fromIds, fromEmbeds] = [model.forward({ ids }), model.forward({ embeddings })];
    expect(fromIds.shape).toEqual([1, 1, model.vocabSize]); // default decoder input: the start token
    expect(maxAbsDiff(await fromIds.data(), await fromEmbeds.data())).toBe(0);
    tf.dispose([embeddings, fromIds, fromEmbeds]);
  });

  it('a padded encoder batch with an attention mask', async () => {
    const batch = inputs.t5_batch!;
    const ids = rows(batch.input_ids!);
    const attentionMask = rows(batch.attention_mask!);
    const decoderIds = rows(batch.decoder_input_ids!);
    const logits = model.forward({ ids, attentionMask }, { ids: decoderIds });
    expect(attentionMask[1]).toContain(0); // the case really has padding
    expect(maxAbsDiff(await logits.data(), referenceOutput('t5_batch.logits').data)).toBeLessThanOrEqual(atol);
    tf.dispose(logits);
  });

  it('a padded row (left or right) gives the logits of that row alone', async () => {
    const batch = inputs.t5_batch!;
    const short = rows(batch.input_ids!)[1]!.slice(0, 3);
    const decoderIds = rows(batch.decoder_input_ids!);
    const alone = model.forward({ ids: [short] }, { ids: [decoderIds[1]!] });
    const expected = await alone.data();
    for (const padding of ['left', 'right'] as const) {
      const pads = [0, 0];
      const padded = padding === 'left' ? [...pads, ...short] : [...short, ...pads];
      const mask = padding === 'left' ? [0, 0, 1, 1, 1] : [1, 1, 1, 0, 0];
      const logits = model.forward({ ids: [rows(batch.input_ids!)[0]!, padded], attentionMask: [[1, 1, 1, 1, 1], mask] }, { ids: decoderIds });
      expect(maxAbsDiff(slab(await logits.data(), logits.shape, 1, 0, 3), expected)).toBeLessThanOrEqual(atol);
      logits.dispose();
    }
    alone.dispose();
  });

  it('decoding with the cache equals the full forward pass', async () => {
    const ids = rows(inputs.t5_ids!.input_ids!);
    const decoderIds = rows(inputs.t5_ids!.decoder_input_ids!)[0]!;
    const tensorsBefore = tf.memory().numTensors;
    const full = model.forward({ ids }, { ids: [decoderIds] });
    const fullData = await full.data();
    let state = model.prefill({ ids });
    for (let step = 0; step < decoderIds.length; step++) {
      expect(state.length).toBe(step + 1);
      expect(maxAbsDiff(await state.logits.data(), slab(fullData, full.shape, 0, step, step + 1))).toBeLessThanOrEqual(atol);
      if (step + 1 < decoderIds.length) {
        const next = model.decodeStep(state, [decoderIds[step + 1]!]);
        state.dispose(); // the new state keeps its own references to the encoder's keys and values
        state = next;
      }
    }
    state.dispose();
    full.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore); // states free their caches, the encoder's included
  });

  it('greedy generation (encoder once, decoder with the cache) gives the same ids', async () => {
    const greedy = inputs.t5_greedy!;
    const ids = rows(greedy.input_ids!)[0]!;
    const expected = Array.from(referenceOutput('t5_greedy.sequences').data);
    const result = await generate(model, [ids], { maxNewTokens: greedy.max_new_tokens as number, temperature: 0, stopIds: [model.config.eosId] });
    const stopped = result.stopReasons[0] === 'stop-token' ? [model.config.eosId] : [];
    expect([model.config.decoderStartId, ...result.tokens[0]!, ...stopped]).toEqual(expected);
  });

  it('batched generation with a soft prompt: each row decodes as it would alone', async () => {
    const prompt = tf.randomNormal([2, model.dModel], 0, 0.5, 'float32', 3) as tf.Tensor2D;
    const prompts = [[13, 7, 42, 100, 5, 1], [21, 8, 1]];
    const options = { maxNewTokens: 3, temperature: 0, stopIds: [model.config.eosId], prefix: prompt };
    const batched = await generate(model, prompts, options);
    for (const [row, ids] of prompts.entries()) {
      const alone = await generate(model, [ids], options);
      expect(batched.tokens[row]).toEqual(alone.tokens[0]);
    }
    prompt.dispose();
  });

  it('the gradient reaches the input embeddings (soft prompt) and leaves the weights frozen', async () => {
    const before = await fingerprintParameters(await model.exportParameters());
    expect(before).toBe(model.fingerprint);
    const prompt = tf.variable(tf.randomNormal([3, model.dModel], 0, 0.5, 'float32', 7) as tf.Tensor2D, true, 't5-test-prompt');
    const ids = rows(inputs.t5_ids!.input_ids!);
    const decoderIds = rows(inputs.t5_ids!.decoder_input_ids!);
    const { value, grads } = tf.variableGrads(() => {
      const input = promptedInput(model, prompt, ids);
      return tf.mean(model.forward(input, { ids: decoderIds })) as tf.Scalar;
    });
    expect(Object.keys(grads)).toEqual([prompt.name]); // the model holds no variables
    const gradient = await grads[prompt.name]!.data();
    expect(grads[prompt.name]!.shape).toEqual([3, model.dModel]);
    expect(gradient.every(Number.isFinite)).toBe(true);
    expect(Math.max(...Array.from(gradient, Math.abs))).toBeGreaterThan(0);
    expect(await fingerprintParameters(await model.exportParameters())).toBe(before);
    tf.dispose([value, prompt, ...Object.values(grads)]);
  });
});

const tiny = await loadHfT5(localFileSource(assetPath('reference', 't5-tiny')));

/** t5-tiny's weights re-declared as an original-T5 checkpoint: relu feed-forward (wi = wi_0) and tied, scaled embeddings. */
function originalT5Variant(): { config: T5Config; params: Map<string, HostTensor> } {
  const params = new Map<string, HostTensor>();
  for (const [name, tensor] of tiny.params) {
    if (name === 'lm_head.weight' || name.endsWith('.wi_1.weight')) continue;
    params.set(name.replace(/\.wi_0\.weight$/, '.wi.weight'), tensor);
  }
  return { config: resolveT5Config({ ...tiny.config, feedForward: 'relu', tiedEmbeddings: true }), params };
}

const VARIANTS = { 't5-tiny (gated-gelu, lm_head)': tiny, 'original T5 (relu, tied and scaled embeddings)': originalT5Variant() };
// Long enough for the logarithmic buckets: encoder distances up to 39 (exact below 8), decoder up to 23 (exact below 16).
const LONG_IDS = Array.from({ length: 40 }, (_, i) => ((i * 7919 + 13) % 32000) + 2);
const LONG_DECODER_IDS = [0, ...Array.from({ length: 23 }, (_, i) => ((i * 104729 + 5) % 32000) + 2)];

describe('the plain-JS transcription of modeling_t5 (test reference)', () => {
  it('matches Hugging Face on t5_ids within 1e-4', () => {
    const reference = new T5Reference(tiny.config, tiny.params);
    const logits = reference.logits(rows(inputs.t5_ids!.input_ids!)[0]!, rows(inputs.t5_ids!.decoder_input_ids!)[0]!);
    expect(maxAbsDiff(logits.flatMap((row) => Array.from(row)), referenceOutput('t5_ids.logits').data)).toBeLessThanOrEqual(1e-4);
  });

  it('buckets relative positions like T5 (exact near, logarithmic far, one bucket per direction beyond max distance)', () => {
    const reference = new T5Reference(tiny.config, tiny.params);
    // Encoder (bidirectional, 16 buckets a side, 8 exact): keys before the query use 0..15, after it 16..31.
    expect([0, -1, -7, 1, 7].map((r) => reference.bucket(r, true))).toEqual([0, 1, 7, 17, 23]);
    // 8 + trunc(log(12 / 8) / log(128 / 8) * 8) = 8 + trunc(1.17) = 9; 127 -> 8 + trunc(7.98) = 15.
    expect([-12, 12, -127, 127, -1000].map((r) => reference.bucket(r, true))).toEqual([9, 25, 15, 31, 15]);
    // Decoder (causal, 32 buckets, 16 exact): later keys all map to 0.
    expect([5, 0, -15, -24, -1000].map((r) => reference.bucket(r, false))).toEqual([0, 0, 15, 16 + Math.trunc((Math.log(24 / 16) / Math.log(8)) * 16), 31]);
  });
});

describeEachBackend('T5 vs the plain-JS transcription of modeling_t5 (long inputs, both feed-forward and head variants)', (backend) => {
  const atol = tolerance(backend);
  for (const [name, checkpoint] of Object.entries(VARIANTS)) {
    it(`${name}: decoder logits for 40 encoder and 24 decoder tokens, full pass and with the cache`, async () => {
      const model = new T5Model(checkpoint.config, checkpoint.params, await fingerprintParameters(checkpoint.params));
      const expected = new T5Reference(checkpoint.config, checkpoint.params).logits(LONG_IDS, LONG_DECODER_IDS);
      const logits = model.forward({ ids: [LONG_IDS] }, { ids: [LONG_DECODER_IDS] });
      const data = await logits.data();
      expect(maxAbsDiff(data, expected.flatMap((row) => Array.from(row)))).toBeLessThanOrEqual(atol);
      // The cache path: prefill on the first 20 decoder tokens, then 4 single steps.
      let state = model.prefill({ ids: [LONG_IDS] }, { ids: [LONG_DECODER_IDS.slice(0, 20)] });
      for (let position = 19; position < LONG_DECODER_IDS.length; position++) {
        expect(maxAbsDiff(await state.logits.data(), expected[position]!)).toBeLessThanOrEqual(atol);
        if (position + 1 === LONG_DECODER_IDS.length) break;
        const next = model.decodeStep(state, [LONG_DECODER_IDS[position + 1]!]);
        state.dispose();
        state = next;
      }
      state.dispose();
      logits.dispose();
      model.dispose();
    });
  }
});
