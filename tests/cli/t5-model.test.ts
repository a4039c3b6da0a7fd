import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, referenceInputs, referenceOutput, rows } from '../../packages/core/src/test-support/assets.js';
import { ASSETS, expectCliError, makeTempDir, runCli, runCliJson } from './run-cli.js';

type LogitsJson = { logits: number[][] };

const T5_TINY = join(ASSETS, 'reference', 't5-tiny');
const LLAMA_TINY = join(ASSETS, 'reference', 'llama-tiny');
const VOCAB = 32128;

function argmax(row: readonly number[]): number {
  return row.reduce((best, v, i) => (v > row[best]! ? i : best), 0);
}

/** t5-tiny with T5's SentencePiece tokenizer beside it (links to the assets, nothing copied). */
const withTokenizer = makeTempDir('t5-tiny');
symlinkSync(join(T5_TINY, 'config.json'), join(withTokenizer.dir, 'config.json'));
symlinkSync(join(T5_TINY, 'model.safetensors'), join(withTokenizer.dir, 'model.safetensors'));
symlinkSync(join(ASSETS, 'tokenizers', 't5', 'spiece.model'), join(withTokenizer.dir, 'spiece.model'));
afterAll(() => withTokenizer.cleanup());

describe('the CLI on a T5 checkpoint (reference/t5-tiny)', () => {
  const ids = rows(referenceInputs().t5_ids!.input_ids!)[0]!;
  const decoderIds = rows(referenceInputs().t5_ids!.decoder_input_ids!)[0]!;

  it('ptune logits --decoder-ids: one row per decoder position, within 1e-4 of Hugging Face', async () => {
    const reference = referenceOutput('t5_ids.logits');
    const { logits } = await runCliJson<LogitsJson>(['logits', '--model', T5_TINY, '--backend', 'cpu', '--ids', ids.join(','), '--decoder-ids', decoderIds.join(',')]);
    expect(logits).toHaveLength(decoderIds.length);
    logits.forEach((row) => expect(row).toHaveLength(VOCAB));
    expect(maxAbsDiff(logits.flat(), reference.data)).toBeLessThanOrEqual(1e-4);
  });

  it('without --decoder-ids the decoder reads its start token alone: the first reference row', async () => {
    expect(decoderIds[0]).toBe(0); // the reference's decoder input starts with the start token
    const { logits } = await runCliJson<LogitsJson>(['logits', '--model', T5_TINY, '--backend', 'cpu', '--ids', ids.join(',')]);
    expect(logits).toHaveLength(1);
    expect(maxAbsDiff(logits[0]!, referenceOutput('t5_ids.logits').data.subarray(0, VOCAB))).toBeLessThanOrEqual(1e-4);
  });

  it('--decoder-ids on a decoder-only model is a usage error', async () => {
    const result = await runCli(['logits', '--model', LLAMA_TINY, '--ids', '1,5', '--decoder-ids', '0', '--json']);
    expect(expectCliError(result, 2, 'INVALID_ARGUMENT', true)).toMatch(/--decoder-ids.*decoder-only llama/);
  });

  it('a bad --decoder-ids value names the flag', async () => {
    const result = await runCli(['logits', '--model', T5_TINY, '--ids', '1', '--decoder-ids', '0,,3']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(/^error: .*--decoder-ids.*0,,3/);
    const outOfRange = await runCli(['logits', '--model', T5_TINY, '--ids', '1', '--decoder-ids', `0,${VOCAB}`, '--json']);
    expect(expectCliError(outOfRange, 2, 'TOKEN_ID_OUT_OF_RANGE', true)).toContain(String(VOCAB));
  });

  it('ptune info reports the T5 architecture and its config', async () => {
    const info = await runCliJson<{ architecture: string; format: string; config: Record<string, unknown>; fingerprint: string }>(['info', '--model', T5_TINY]);
    expect(info.architecture).toBe('t5');
    expect(info.format).toBe('hf');
    expect(info.config).toMatchObject({ feedForward: 'gated-gelu', nLayers: 2, nDecoderLayers: 2, dModel: 64, tiedEmbeddings: false });
    expect(info.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('ptune generate --temperature 0 reproduces Hugging Face greedy decoding from text', async () => {
    const greedy = referenceInputs().t5_greedy!;
    const expected = Array.from(referenceOutput('t5_greedy.sequences').data).slice(1); // without the decoder start token
    // The reference input ids are T5's tokenization of this text (with </s>).
    const result = await runCliJson<{ tokens: number[]; promptTokens: number[]; text: string }>([
      'generate', '--model', withTokenizer.dir, '--backend', 'cpu', '--prompt', 'ofs or This.', '--temperature', '0', '--max-tokens', String(greedy.max_new_tokens),
    ]);
    expect(result.promptTokens).toEqual(rows(greedy.input_ids!)[0]);
    expect(result.tokens).toEqual(expected);
    expect(result.text.length).toBeGreaterThan(0);
    // Teacher forcing through `ptune logits` picks the same tokens at every position.
    const { logits } = await runCliJson<LogitsJson>(['logits', '--model', T5_TINY, '--backend', 'cpu', '--ids', result.promptTokens.join(','), '--decoder-ids', [0, ...result.tokens.slice(0, -1)].join(',')]);
    expect(logits.map(argmax)).toEqual(result.tokens);
  });
});
