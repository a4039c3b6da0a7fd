import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ASSETS, expectCliError, makeTempDir, runCli } from './run-cli.js';

// Runtime failures: exit code by category (2 bad input, 3 invalid files, 4 not found), one line
// `ptune: CODE: message` on stderr, and with --json {"error":{"code","message"}} on stdout.

const STORIES = join(ASSETS, 'stories260K');
const LLAMA_TINY = join(ASSETS, 'reference', 'llama-tiny');
const tmp = makeTempDir('errors');
afterAll(() => tmp.cleanup());

/** A writable copy of llama-tiny with config.json fields overridden. */
function llamaTinyWithConfig(name: string, overrides: Record<string, unknown>): string {
  const dir = join(tmp.dir, name);
  mkdirSync(dir);
  copyFileSync(join(LLAMA_TINY, 'model.safetensors'), join(dir, 'model.safetensors'));
  const config = JSON.parse(readFileSync(join(LLAMA_TINY, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, ...overrides }, null, 2));
  return dir;
}

describe('input errors (exit 2)', () => {
  it('an unknown token id names the id and the vocabulary', async () => {
    for (const json of [false, true]) {
      const result = await runCli(['logits', '--model', 'stories260K', '--ids', '1,999999', ...(json ? ['--json'] : [])]);
      const message = expectCliError(result, 2, 'TOKEN_ID_OUT_OF_RANGE', json);
      expect(message).toContain('999999');
      expect(message).toMatch(/vocabulary/i);
      expect(message).toContain('511');
    }
  });

  it('a sequence longer than the context (600 > 512) is SEQUENCE_TOO_LONG', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => 3 + (i % 500)).join(',');
    for (const json of [false, true]) {
      const result = await runCli(['logits', '--model', 'stories260K', '--ids', ids, ...(json ? ['--json'] : [])]);
      const message = expectCliError(result, 2, 'SEQUENCE_TOO_LONG', json);
      expect(message).toContain('600');
      expect(message).toContain('512');
    }
  });

  it('a generate prompt longer than the context is SEQUENCE_TOO_LONG', async () => {
    const prompt = 'the cat sat on the mat. '.repeat(120);
    const result = await runCli(['generate', '--model', 'stories260K', '--prompt', prompt, '--max-tokens', '4', '--json']);
    expect(expectCliError(result, 2, 'SEQUENCE_TOO_LONG', true)).toContain('512');
  });
});

describe('missing model or tokenizer (exit 4)', () => {
  it('generate on a checkpoint without a tokenizer is TOKENIZER_MISSING', async () => {
    for (const json of [false, true]) {
      const result = await runCli(['generate', '--model', LLAMA_TINY, ...(json ? ['--json'] : [])]);
      const message = expectCliError(result, 4, 'TOKENIZER_MISSING', json);
      expect(message).toContain(LLAMA_TINY);
      expect(message).toMatch(/tokenizer/);
    }
    const tokenize = await runCli(['tokenize', '--model', LLAMA_TINY, 'hello']);
    expectCliError(tokenize, 4, 'TOKENIZER_MISSING', false);
  });

  it('a nonexistent path, an unknown name and an empty folder are CHECKPOINT_NOT_FOUND', async () => {
    const missing = join(tmp.dir, 'no-such-model');
    for (const spec of [missing, join(missing, 'model.bin'), 'no-such-model-name']) {
      for (const json of [false, true]) {
        const result = await runCli(['generate', '--model', spec, ...(json ? ['--json'] : [])]);
        expect(expectCliError(result, 4, 'CHECKPOINT_NOT_FOUND', json)).toContain(spec);
      }
    }
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    const result = await runCli(['logits', '--model', empty, '--ids', '1']);
    expect(expectCliError(result, 4, 'CHECKPOINT_NOT_FOUND', false)).toContain(empty);
  });
});

describe('invalid model files (exit 3)', () => {
  it('a truncated llama2.c checkpoint is CHECKPOINT_TRUNCATED', async () => {
    const dir = join(tmp.dir, 'truncated');
    mkdirSync(dir);
    const bytes = readFileSync(join(STORIES, 'stories260K.bin'));
    writeFileSync(join(dir, 'stories260K.bin'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    copyFileSync(join(STORIES, 'tok512.bin'), join(dir, 'tok512.bin'));
    for (const args of [['generate'], ['logits', '--ids', '1,5'], ['info']]) {
      for (const json of [false, true]) {
        const result = await runCli([...args, '--model', dir, ...(json ? ['--json'] : [])]);
        const message = expectCliError(result, 3, 'CHECKPOINT_TRUNCATED', json);
        expect(message).toContain('stories260K.bin');
        expect(message).toMatch(/truncated/i);
      }
    }
  });

  it.each([
    ['hidden_size 32', { hidden_size: 32 }],
    ['num_hidden_layers 3', { num_hidden_layers: 3 }],
    ['num_hidden_layers 1', { num_hidden_layers: 1 }],
    ['intermediate_size 100', { intermediate_size: 100 }],
  ])('a config.json that does not match the weights (%s) names the tensor', async (name, overrides) => {
    const dir = llamaTinyWithConfig(name.replace(/\s+/g, '-'), overrides);
    for (const json of [false, true]) {
      const result = await runCli(['logits', '--model', dir, '--ids', '1,2', ...(json ? ['--json'] : [])]);
      const message = expectCliError(result, 3, ['CONFIG_MISMATCH', 'CHECKPOINT_INVALID'], json);
      expect(message).toMatch(/tensors?\b/);
      expect(message).toMatch(/model\.[\w.]+\.weight/);
    }
  });

  it('a config.json that is not JSON, and a cut safetensors file, are reported as invalid', async () => {
    const badJson = join(tmp.dir, 'bad-json');
    mkdirSync(badJson);
    writeFileSync(join(badJson, 'config.json'), '{bad');
    copyFileSync(join(LLAMA_TINY, 'model.safetensors'), join(badJson, 'model.safetensors'));
    const first = await runCli(['logits', '--model', badJson, '--ids', '1', '--json']);
    expect(expectCliError(first, 3, 'CHECKPOINT_INVALID', true)).toContain('config.json');

    const cut = join(tmp.dir, 'cut-safetensors');
    mkdirSync(cut);
    copyFileSync(join(LLAMA_TINY, 'config.json'), join(cut, 'config.json'));
    writeFileSync(join(cut, 'model.safetensors'), readFileSync(join(LLAMA_TINY, 'model.safetensors')).subarray(0, 1000));
    const second = await runCli(['logits', '--model', cut, '--ids', '1', '--json']);
    expect(expectCliError(second, 3, ['SAFETENSORS_INVALID', 'CHECKPOINT_TRUNCATED'], true)).toContain('model.safetensors');
  });
});
