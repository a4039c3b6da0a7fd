import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends.js';
import { loadModel, requireTokenizer, type LoadedModel } from '../checkpoint/load-model.js';
import { localFileSource } from '../node/local-file-source.js';
import type { TaskConfig } from '../task/task-config.js';
import { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { assetPath } from '../test-support/assets.js';
import { errorOf } from '../test-support/errors.js';
import { encoderFor, type ServedLanguageModel } from './prompt-store.js';
import type { RunPrompt } from './run-request.js';

/**
 * The input budget a runner gives a task: a decoder-only model shares its context between prompt,
 * input and target; T5 reads prompt + input in its encoder and writes the target with its decoder.
 */
const WRITE: TaskConfig = { kind: 'generation', id: 'write', name: 'write', template: '{text}', maxNewTokens: 20 };
const LONG_TEXT = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');

const prompt = (promptLength: number, dModel: number): RunPrompt => ({ id: 'p', task: WRITE, promptLength, embeddings: new Float32Array(promptLength * dModel) });

describe('encoderFor', () => {
  let t5: LoadedModel;
  let llama: LoadedModel;
  let t5Served: ServedLanguageModel;

  beforeAll(async () => {
    await initBackend('cpu');
    t5 = await loadModel(localFileSource(assetPath('reference', 't5-tiny')));
    const spiece = readFileSync(assetPath('tokenizers', 't5', 'spiece.model'));
    t5Served = { model: t5.model, tokenizer: TextTokenizer.fromSentencePieceModel(new Uint8Array(spiece), 'spiece.model') };
    llama = await loadModel(localFileSource(assetPath('stories260K')));
  });
  afterAll(() => {
    t5?.model.dispose();
    llama?.model.dispose();
  });

  it('T5: the encoder input gets the context minus the prompt; the target does not count against it', () => {
    const k = t5.model.maxSeqLen - 12; // 12 encoder tokens left, fewer than the 20 target tokens
    const encoded = encoderFor(prompt(k, t5.model.dModel), t5Served).encode({ fields: { text: LONG_TEXT } });
    expect(encoded.truncated).toBe(true);
    expect(encoded.inputIds.length).toBeLessThanOrEqual(12);
    expect(encoded.inputIds.at(-1)).toBe(t5Served.tokenizer.eosId);
  });

  it('Llama: the same prompt leaves no room for input and a 20-token target (SEQUENCE_TOO_LONG)', () => {
    const served = { model: llama.model, tokenizer: requireTokenizer(llama) };
    const k = llama.model.maxSeqLen - 12;
    expect(errorOf(() => encoderFor(prompt(k, llama.model.dModel), served)).code).toBe('SEQUENCE_TOO_LONG');
    const encoded = encoderFor(prompt(llama.model.maxSeqLen - 32, llama.model.dModel), served).encode({ fields: { text: LONG_TEXT } });
    expect(encoded.inputIds.length).toBeLessThanOrEqual(12);
  });
});
