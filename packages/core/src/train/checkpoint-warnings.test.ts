import { describe, expect, it } from 'vitest';
import { promptTuningWarnings } from './checkpoint-warnings.js';

const t5 = { architecture: 't5' as const };

describe('promptTuningWarnings', () => {
  it('warns about plain T5 1.1 checkpoints and names the LM-adapted alternative', () => {
    for (const name of ['google/t5-v1_1-base', '/models/t5-v1_1-small/', 'T5_v1.1-xl']) {
      const [warning, ...rest] = promptTuningWarnings(t5, [name]);
      expect(rest).toEqual([]);
      expect(warning).toContain(name);
      expect(warning).toMatch(/span corruption.*google\/t5-base-lm-adapt/);
    }
  });

  it('is silent for LM-adapted, Flan-T5 and original T5 checkpoints, and for Llama models', () => {
    for (const names of [['google/t5-base-lm-adapt'], ['google/t5-v1_1-base-lm-adapt'], ['google/flan-t5-small'], ['google-t5/t5-small'], ['/tmp/x', undefined], []]) {
      expect(promptTuningWarnings(t5, names)).toEqual([]);
    }
    // A folder named after T5 1.1 whose config says it is the LM-adapted checkpoint.
    expect(promptTuningWarnings(t5, ['/models/t5-v1_1-copy', 'google/t5-base-lm-adapt'])).toEqual([]);
    expect(promptTuningWarnings({ architecture: 'llama' }, ['t5-v1_1-base'])).toEqual([]);
  });
});
