import { describe, expect, it } from 'vitest';
import { createRng } from '../model/sampling.js';
import { presetTask } from '../task/presets.js';
import { errorOf } from '../test-support/errors.js';
import { runRequestFromJson, runRequestToJson, type RunRequest } from './run-request.js';

const rng = createRng(3);
const request: RunRequest = {
  model: `sha256:${'a'.repeat(64)}`,
  prompts: [{ id: 'p0', task: presetTask('sst2').task, promptLength: 3, embeddings: Float32Array.from({ length: 3 * 64 }, () => (rng() - 0.5) * 1e3) }],
  rows: [{ prompt: 0, fields: { sentence: 'a <s> film </s>' } }],
};
/** The request as a model host receives it: serialised to JSON text and parsed. */
const overTheWire = (value: unknown) => runRequestFromJson(JSON.parse(JSON.stringify(value)));

describe('run requests as JSON', () => {
  it('round-trip exactly (float32 vectors as base64)', () => {
    const back = overTheWire(runRequestToJson(request));
    expect(back.model).toBe(request.model);
    expect(back.rows).toEqual(request.rows);
    expect(back.prompts[0]!.task).toEqual(request.prompts[0]!.task);
    expect(Array.from(back.prompts[0]!.embeddings)).toEqual(Array.from(request.prompts[0]!.embeddings));
  });

  it('refuse malformed requests with INVALID_ARGUMENT naming the path', () => {
    const json = runRequestToJson(request);
    const prompt = json.prompts[0]!;
    const bad = (value: unknown) => errorOf(() => overTheWire(value));
    expect(bad([]).message).toContain('JSON object');
    expect(bad({ ...json, prompts: [] }).message).toContain('prompts must be');
    expect(bad({ ...json, rows: [] }).message).toContain('rows must be');
    expect(bad({ ...json, prompts: [{ ...prompt, embeddings: '%%%' }] }).message).toContain('prompts[0].embeddings is not valid base64');
    expect(bad({ ...json, prompts: [{ ...prompt, embeddings: btoa('abcde') }] }).message).toContain('whole number of float32');
    expect(bad({ ...json, prompts: [{ ...prompt, promptLength: 5 }] }).message).toContain('not promptLength');
    expect(bad({ ...json, prompts: [{ ...prompt, promptLength: 1, embeddings: btoa(String.fromCharCode(0, 0, 0xc0, 0x7f)) }] }).message).toContain('NaN or Inf');
    expect(bad({ ...json, prompts: [{ ...prompt, task: { ...prompt.task, verbalizer: { a: 'x' } } }] }).message).toContain('at least 2 labels');
    expect(bad({ ...json, rows: [{ prompt: 1, fields: {} }] }).message).toContain('rows[0].prompt');
    expect(bad({ ...json, rows: [{ prompt: 0, fields: { sentence: 7 } }] }).message).toContain('rows[0].fields.sentence');
    expect(bad({ ...json, rows: [{ prompt: 0, fields: { sentence: 'x'.repeat(9000) } }] }).message).toContain('at most 8192');
  });
});
