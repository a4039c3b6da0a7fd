import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { llama2cEncode, readLlama2cReferenceVocab } from '../../packages/core/src/test-support/llama2c-encode.js';
import { ASSETS, runCli, runCliJson } from './run-cli.js';

// Expected ids come from an independent line-by-line port of llama2.c's run.c encode().
const vocab = readLlama2cReferenceVocab(readFileSync(join(ASSETS, 'stories260K', 'tok512.bin')), 512);

const TEXTS: Record<string, string> = {
  'plain ASCII': 'Once upon a time, there was a dog',
  'punctuation and digits': 'Hello, world! 1 + 2 = 3?',
  'a literal <s>': '<s>',
  'special-token look-alikes': '<s>hello</s> <unk>',
  'non-ASCII (Latin, CJK, emoji)': 'héllo wörld – 日本語 🙂',
  'whitespace runs, tab and newline': 'a  b\tc\nd ',
  'empty string': '',
};

async function tokenize(text: string, ...flags: string[]): Promise<number[]> {
  const { ids } = await runCliJson<{ ids: number[] }>(['tokenize', '--model', 'stories260K', ...flags, text]);
  return ids;
}

describe('ptune tokenize (stories260K) matches llama2.c encode()', () => {
  for (const [name, text] of Object.entries(TEXTS)) {
    it(name, async () => {
      const ids = await tokenize(text);
      expect(ids[0]).toBe(1); // BOS
      expect(ids).toEqual(llama2cEncode(vocab, text, true, false));
      // User text never turns into special tokens: <unk>=0, <s>=1, </s>=2 appear only as the leading BOS.
      expect(ids.slice(1).filter((id) => id <= 2)).toEqual([]);
    });
  }

  it('the empty string is just [BOS]', async () => {
    expect(await tokenize('')).toEqual([1]);
  });

  it('--no-bos and --eos follow llama2.c encode(bos=0, eos=1)', async () => {
    const text = 'Lily went to the park.';
    expect(await tokenize(text, '--no-bos', '--eos')).toEqual(llama2cEncode(vocab, text, false, true));
  });

  it('without --json, prints one "id<TAB>token" line per id', async () => {
    const text = 'Once upon a time';
    const result = await runCli(['tokenize', '--model', 'stories260K', text]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((line) => Number(line.split('\t')[0]))).toEqual(llama2cEncode(vocab, text, true, false));
    expect(lines[0]).toBe('1\t"<s>"');
  });
});
