import { describe, expect, it } from 'vitest';
import { DEFAULT_PROMPT_TUNING_CONFIG, MAX_PROMPT_LENGTH, resolvePromptTuningConfig, type PromptInit } from './prompt-config.js';

const invalid = (message: RegExp) => expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });

describe('resolvePromptTuningConfig', () => {
  it('defaults to the paper: k = 100, class-label init, seed 0', () => {
    expect(resolvePromptTuningConfig()).toEqual({ promptLength: 100, init: { method: 'class-label' }, seed: 0 });
    expect(resolvePromptTuningConfig()).toEqual(DEFAULT_PROMPT_TUNING_CONFIG);
    expect(resolvePromptTuningConfig({ promptLength: 20 })).toEqual({ promptLength: 20, init: { method: 'class-label' }, seed: 0 });
    expect(MAX_PROMPT_LENGTH).toBe(150);
  });

  it('accepts k at both ends of 1..150 and every init method', () => {
    expect(resolvePromptTuningConfig({ promptLength: 1 }).promptLength).toBe(1);
    expect(resolvePromptTuningConfig({ promptLength: 150 }).promptLength).toBe(150);
    const inits: PromptInit[] = [
      { method: 'random', range: 0.5 },
      { method: 'sampled-vocab', poolSize: 10 },
      { method: 'class-label', poolSize: 5000 },
      { method: 'text', text: 'classify' },
      { method: 'from', from: 'other.safetensors' },
    ];
    for (const init of inits) expect(resolvePromptTuningConfig({ init }).init).toEqual(init);
  });

  it('rejects k outside 1..150 or not an integer, naming promptLength and the value', () => {
    expect(() => resolvePromptTuningConfig({ promptLength: 0 })).toThrow(invalid(/promptLength.*1\.\.150.*got 0/));
    expect(() => resolvePromptTuningConfig({ promptLength: 151 })).toThrow(invalid(/promptLength.*got 151/));
    expect(() => resolvePromptTuningConfig({ promptLength: 1.5 })).toThrow(invalid(/promptLength.*got 1\.5/));
    expect(() => resolvePromptTuningConfig({ promptLength: Number.NaN })).toThrow(invalid(/promptLength/));
  });

  it('rejects a bad seed or init', () => {
    expect(() => resolvePromptTuningConfig({ seed: 0.5 })).toThrow(invalid(/seed.*0\.5/));
    expect(() => resolvePromptTuningConfig({ init: { method: 'vocab' } as unknown as PromptInit })).toThrow(invalid(/init must be one of random, sampled-vocab, class-label, text, from; got "vocab"/));
    expect(() => resolvePromptTuningConfig({ init: { method: 'random', range: 0 } })).toThrow(invalid(/range must be > 0, got 0/));
    expect(() => resolvePromptTuningConfig({ init: { method: 'random', range: -0.5 } })).toThrow(invalid(/range/));
    expect(() => resolvePromptTuningConfig({ init: { method: 'sampled-vocab', poolSize: 0 } })).toThrow(invalid(/poolSize.*got 0/));
    expect(() => resolvePromptTuningConfig({ init: { method: 'class-label', poolSize: 2.5 } })).toThrow(invalid(/poolSize.*got 2\.5/));
    expect(() => resolvePromptTuningConfig({ init: { method: 'text', text: '' } })).toThrow(invalid(/non-empty text/));
  });
});
