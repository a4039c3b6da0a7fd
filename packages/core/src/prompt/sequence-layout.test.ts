import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../checkpoint/load-model.js';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { localFileSource } from '../node/local-file-source.js';
import { assetPath } from '../test-support/assets.js';
import { decoderStartId, inputTokenBudget, isEncoderDecoder } from './sequence-layout.js';

describe('sequence layout: decoder-only vs encoder-decoder', () => {
  let t5: FrozenLanguageModel;
  let llama: FrozenLanguageModel;
  beforeAll(async () => {
    t5 = (await loadModel(localFileSource(assetPath('reference', 't5-tiny')))).model;
    llama = (await loadModel(localFileSource(assetPath('reference', 'llama-tiny')))).model;
  });
  afterAll(() => [t5, llama].forEach((m) => m.dispose()));

  it('T5 is an encoder-decoder whose decoder starts from the pad id; Llama is decoder-only', () => {
    expect([isEncoderDecoder(t5), isEncoderDecoder(llama)]).toEqual([true, false]);
    expect(decoderStartId(t5)).toBe(0);
  });

  it('the input budget: Llama shares its context with the target, T5 gives the target its own decoder stream', () => {
    expect(inputTokenBudget(llama, 10, 3)).toBe(llama.maxSeqLen - 13);
    expect(inputTokenBudget(t5, 10, 3)).toBe(t5.maxSeqLen - 10);
  });
});
