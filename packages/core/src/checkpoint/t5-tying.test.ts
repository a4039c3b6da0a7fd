import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import type { HostTensor } from '../model/parameters.js';
import type { T5Model } from '../model/t5.js';
import { localFileSource } from '../node/local-file-source.js';
import { serializeSafetensors } from '../safetensors/safetensors.js';
import { maxAbsDiff, referenceScale } from '../test-support/assets.js';
import { describeEachBackend, tolerance } from '../test-support/backends.js';
import { memoryFileSource } from './file-source.js';
import { loadHfT5, t5ConfigFromHf, t5ConfigToHf } from './hf-t5.js';
import { loadModel } from './load-model.js';
import { readCheckpointParameters, readJson } from './read-parameters.js';

describeEachBackend('T5 checkpoints across transformers versions vs Hugging Face (reference-scale)', (backend) => {
  // t5-tf5-saved: transformers 5's config (tied + scale_decoder_outputs false) over a separate lm_head.
  // t5-lm-adapt-bf16: an old-style LM-adapted config, bf16 weights, vocab 32100, 140 input tokens.
  for (const name of ['t5-tf5-saved', 't5-lm-adapt-bf16']) {
    describe(name, () => {
      const ref = referenceScale(name);
      let model: T5Model;
      beforeAll(async () => {
        model = (await loadModel(localFileSource(ref.dir))).model as T5Model;
      });
      afterAll(() => model.dispose());

      it('logits and encoder_last_hidden_state match', async () => {
        const encoder = { ids: ref.ids('input_ids'), attentionMask: ref.ids('attention_mask') };
        const [logits, hidden] = [model.forward(encoder, { ids: ref.ids('decoder_input_ids') }), model.encode(encoder)];
        expect(logits.shape).toEqual(ref.tensor('logits').shape);
        expect(maxAbsDiff(await logits.data(), ref.tensor('logits').data)).toBeLessThanOrEqual(tolerance(backend));
        expect(maxAbsDiff(await hidden.data(), ref.tensor('encoder_last_hidden_state').data)).toBeLessThanOrEqual(tolerance(backend));
        tf.dispose([logits, hidden]);
      });
    });
  }
});

/** Synthetic folders: t5-tf5-saved's tensors under edited configs, built in memory. */
describe('T5 config claims are checked against the tensors', () => {
  const dir = referenceScale('t5-tf5-saved').dir;
  let config: Record<string, unknown>;
  let tensors: Map<string, HostTensor>;
  const IDS = [[13, 7, 42, 100, 5, 1]];
  const DECODER = { ids: [[0, 13, 7]] };

  beforeAll(async () => {
    await initBackend('cpu');
    config = (await readJson(localFileSource(dir), 'config.json'))!;
    tensors = await readCheckpointParameters(localFileSource(dir));
  });

  const folder = (edits: Record<string, unknown>, change: (t: Map<string, HostTensor>) => void = () => {}) => {
    const { scale_decoder_outputs: _scale, ...v4Style } = config;
    const files = new Map(tensors);
    change(files);
    const weights = serializeSafetensors([...files].map(([name, t]) => [name, { dtype: 'F32' as const, shape: t.shape, data: t.data }] as const));
    const json = Object.fromEntries(Object.entries({ ...v4Style, ...edits }).filter(([, v]) => v !== undefined));
    return memoryFileSource(new Map([['config.json', new TextEncoder().encode(JSON.stringify(json))], ['model.safetensors', weights]]), 't5-edited');
  };
  const logits = async (source: ReturnType<typeof folder>) => {
    const { model } = await loadModel(source);
    const out = await model.forward({ ids: IDS }, DECODER).data();
    model.dispose();
    return out;
  };

  it('transformers 5 configs: the file decides the head, scale_decoder_outputs the scaling', async () => {
    const saved = await loadHfT5(folder({ scale_decoder_outputs: false }));
    expect(saved.config).toMatchObject({ tiedEmbeddings: false });
    expect(saved.params.has('lm_head.weight')).toBe(true);
    // Without lm_head.weight the same config ties the head to shared.weight, still unscaled: the same
    // logits as an explicit lm_head that equals the table.
    const tiedUnscaled = folder({ scale_decoder_outputs: false }, (t) => t.delete('lm_head.weight'));
    expect((await loadHfT5(tiedUnscaled)).config).toMatchObject({ tiedEmbeddings: true, scaleDecoderOutputs: false });
    const explicit = folder({ tie_word_embeddings: false }, (t) => t.set('lm_head.weight', t.get('shared.weight')!));
    expect(maxAbsDiff(await logits(tiedUnscaled), await logits(explicit))).toBe(0);
    expect(t5ConfigFromHf(t5ConfigToHf((await loadHfT5(tiedUnscaled)).config), 'round trip')).toMatchObject({ tiedEmbeddings: true, scaleDecoderOutputs: false });
  });

  it('old-style configs: contradictions the two versions would load differently are refused naming both sides', async () => {
    await expect(loadHfT5(folder({ tie_word_embeddings: true }))).rejects.toMatchObject({
      code: 'CONFIG_MISMATCH',
      message: expect.stringMatching(/tie_word_embeddings: true, but the weights hold an lm_head\.weight different from shared\.weight: transformers 4 would ignore.*transformers 5 would use it/),
    });
    await expect(loadHfT5(folder({ tie_word_embeddings: undefined }))).rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(/absent, default true/) });
    await expect(loadHfT5(folder({ tie_word_embeddings: false }, (t) => t.delete('lm_head.weight')))).rejects.toMatchObject({
      code: 'CONFIG_MISMATCH',
      message: expect.stringMatching(/tie_word_embeddings: false \(a separate lm_head\), but the weights have no lm_head\.weight/),
    });
    await expect(loadHfT5(folder({ tie_word_embeddings: false, scale_decoder_outputs: true }))).rejects.toMatchObject({ code: 'CONFIG_MISMATCH', message: expect.stringMatching(/transformers 4 would not scale.*transformers 5 would/) });
    await expect(loadHfT5(folder({ tie_word_embeddings: false }, (t) => t.set('decoder.embed_tokens.weight', t.get('lm_head.weight')!)))).rejects.toMatchObject({
      code: 'CONFIG_MISMATCH',
      message: expect.stringMatching(/one embedding table, but shared\.weight and decoder\.embed_tokens\.weight hold different values/),
    });
  });

  it('old-style configs the versions agree on load: tied with an equal lm_head, untied with its own', async () => {
    const tied = await loadHfT5(folder({ tie_word_embeddings: true }, (t) => t.set('lm_head.weight', { ...t.get('shared.weight')!, data: t.get('shared.weight')!.data.slice() })));
    expect(tied.config).toMatchObject({ tiedEmbeddings: true });
    expect(tied.config.scaleDecoderOutputs).toBeUndefined(); // scaled, as tied original T5 is
    expect(tied.params.has('lm_head.weight')).toBe(false);
    expect((await loadHfT5(folder({ tie_word_embeddings: false }))).config).toMatchObject({ tiedEmbeddings: false });
  });

  it('tie_encoder_decoder: missing encoder weights are the decoder\'s; differing ones are refused', async () => {
    const isTiedEncoderWeight = (name: string) => /^encoder\.block\.\d+\.layer\.[01]\./.test(name) || name === 'encoder.final_layer_norm.weight';
    const decoderOnly = folder({ tie_word_embeddings: false, tie_encoder_decoder: true }, (t) => {
      for (const name of [...t.keys()]) if (isTiedEncoderWeight(name)) t.delete(name);
    });
    const copied = folder({ tie_word_embeddings: false }, (t) => {
      for (const name of [...t.keys()].filter((n) => n.startsWith('decoder.'))) {
        const match = /^decoder\.block\.(\d+)\.layer\.([02])\.(.+)$/.exec(name);
        if (match) t.set(`encoder.block.${match[1]}.layer.${match[2] === '0' ? 0 : 1}.${match[3]}`, t.get(name)!);
      }
      t.set('encoder.final_layer_norm.weight', t.get('decoder.final_layer_norm.weight')!);
    });
    expect(maxAbsDiff(await logits(decoderOnly), await logits(copied))).toBe(0);
    await expect(loadHfT5(folder({ tie_word_embeddings: false, tie_encoder_decoder: true }))).rejects.toMatchObject({
      code: 'CONFIG_MISMATCH',
      message: expect.stringMatching(/tie_encoder_decoder: true, but encoder\.\S+ differs from decoder\.\S+: transformers 4 would use the decoder's/),
    });
  });
});
