import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sentencePieceEncode } from '../../packages/core/src/test-support/sentencepiece-reference.js';
import { ASSETS, expectCliError, makeTempDir, runCli, runCliJson } from './run-cli.js';

// Expected ids come from Google's SentencePiece (python3-sentencepiece, run live) with the dummy
// prefix on, which is what Hugging Face's T5 tokenizer computes, plus T5's appended </s> (id 1).
const SPIECE = join(ASSETS, 'tokenizers', 't5', 'spiece.model');
const EOS = 1;

const TEXTS: Record<string, string> = {
  'plain ASCII': 'translate English to German: The house is wonderful.',
  'punctuation and digits': 'Hello, world! 1 + 2 = 3? (cost: $4.50, 100%)',
  'special-token look-alikes': '<extra_id_0> </s> <pad> <unk>',
  'accents, full-width, ligatures': 'Crème brûlée à Zürich — Ａｂｃ１２３ ﬁne ﬂour',
  'emoji and CJK': 'I ❤️ 日本語 and 中文 🙂',
  'spaces, tabs and newlines': '  a  b\tc\nd \r\n e  ',
  'empty string': '',
};
const NAMES = Object.keys(TEXTS);
const REFERENCE = new Map(sentencePieceEncode(SPIECE, Object.values(TEXTS)).map((ids, i) => [NAMES[i]!, ids]));

const tmp = makeTempDir('t5-tokenize');
afterAll(() => tmp.cleanup());

/** A T5 model folder as a user has it: config.json beside spiece.model (no tokenizer.json, no weights needed). */
function t5Folder(): string {
  const dir = join(tmp.dir, 't5-model');
  mkdirSync(dir);
  copyFileSync(join(ASSETS, 'reference', 't5-tiny', 'config.json'), join(dir, 'config.json'));
  symlinkSync(SPIECE, join(dir, 'spiece.model'));
  return dir;
}

async function tokenize(model: string, text: string, ...flags: string[]): Promise<number[]> {
  const { ids } = await runCliJson<{ ids: number[] }>(['tokenize', '--model', model, ...flags, text]);
  return ids;
}

describe('ptune tokenize --model <spiece.model> matches SentencePiece (T5)', () => {
  for (const name of NAMES) {
    it(name, async () => {
      const ids = await tokenize(SPIECE, TEXTS[name]!);
      expect(ids).toEqual([...REFERENCE.get(name)!, EOS]); // the empty string: just [</s>]
      // User text never turns into special tokens: pad 0 and </s> 1 only as the appended EOS, no sentinels.
      expect(ids.slice(0, -1).filter((id) => id <= 1 || id >= 32000)).toEqual([]);
    });
  }

  it('a T5 model folder with spiece.model gives the same ids; --no-eos drops </s>, --no-bos changes nothing', async () => {
    const folder = t5Folder();
    const text = TEXTS['accents, full-width, ligatures']!;
    expect(await tokenize(folder, text)).toEqual([...REFERENCE.get('accents, full-width, ligatures')!, EOS]);
    expect(await tokenize(folder, text, '--no-eos')).toEqual(REFERENCE.get('accents, full-width, ligatures'));
    expect(await tokenize(SPIECE, text, '--no-bos')).toEqual([...REFERENCE.get('accents, full-width, ligatures')!, EOS]);
  });

  it('without --json, prints one "id<TAB>token" line per id', async () => {
    const result = await runCli(['tokenize', '--model', SPIECE, 'Hello world']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const [hello, world] = sentencePieceEncode(SPIECE, ['Hello', 'world']).map((ids) => ids.at(-1));
    expect(result.stdout).toBe(`${hello}\t"▁Hello"\n${world}\t"▁world"\n1\t"</s>"\n`);
  });

  it('a file that is not a SentencePiece model is TOKENIZER_INVALID (exit 3), naming the file', async () => {
    const bad = join(tmp.dir, 'broken.model');
    writeFileSync(bad, 'this is not a protobuf');
    for (const json of [false, true]) {
      const message = expectCliError(await runCli(['tokenize', '--model', bad, 'hi', ...(json ? ['--json'] : [])]), 3, 'TOKENIZER_INVALID', json);
      expect(message).toContain(bad);
    }
  });
});
