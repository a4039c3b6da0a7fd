import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assetPath } from '../test-support/assets.js';
import { parseLlama2cTokenizer } from './llama2c-tokenizer.js';
import { TextTokenizer } from './text-tokenizer.js';
import { tokenFrequencyOrder } from './frequency-order.js';

describe('token frequency order', () => {
  it('tok512: follows the SentencePiece scores, without specials and byte tokens', () => {
    const bytes = new Uint8Array(readFileSync(assetPath('stories260K', 'tok512.bin')));
    const tokenizer = TextTokenizer.fromLlama2cFile(bytes, 512, 'tok512.bin');
    const order = tokenizer.frequencyOrder();
    expect(order).toHaveLength(512 - 3 - 256);
    const { scores } = parseLlama2cTokenizer(bytes, 512, 'tok512.bin');
    for (let i = 1; i < order.length; i++) expect(scores[order[i - 1]!]!).toBeGreaterThanOrEqual(scores[order[i]!]!);
    expect(order.some((id) => id < 259)).toBe(false);
  });

  it('unigram: by score', () => {
    const json = {
      added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null,
      model: { type: 'Unigram', vocab: [['<pad>', 0], ['a', -3], ['b', -1], ['<0x41>', -0.5], ['c', -2]] as Array<[string, number]> },
    };
    expect(tokenFrequencyOrder(json, new Set([0]))).toEqual([2, 4, 1]);
  });
});
