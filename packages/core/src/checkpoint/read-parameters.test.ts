import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localFileSource } from '../node/local-file-source.js';
import { serializeSafetensors } from '../safetensors/safetensors.js';
import { referenceScale } from '../test-support/assets.js';
import { memoryFileSource, type FileSource } from './file-source.js';
import { readCheckpointParameters } from './read-parameters.js';
import { readTorchCheckpoint } from './torch-checkpoint.js';

const binBytes = new Uint8Array(readFileSync(join(referenceScale('llama-bin-only').dir, 'pytorch_model.bin')));

describe('readCheckpointParameters', () => {
  it('reads the same tensors as a safetensors copy, and prefers safetensors when a folder has both', async () => {
    const params = readTorchCheckpoint(binBytes, 'pytorch_model.bin');
    expect(params.get('model.embed_tokens.weight')!.shape).toEqual([512, 32]);
    const halved = serializeSafetensors([...params].map(([name, t]) => [name, { dtype: 'F32' as const, shape: t.shape, data: t.data.map((v) => v / 2) }] as const));
    const both = await readCheckpointParameters(memoryFileSource(new Map([['model.safetensors', halved], ['pytorch_model.bin', binBytes]])));
    const name = 'model.layers.1.mlp.down_proj.weight';
    expect(Array.from(both.get(name)!.data)).toEqual(Array.from(params.get(name)!.data.map((v) => v / 2)));
  });

  it('a folder without weights names every file it looked for', async () => {
    await expect(readCheckpointParameters(memoryFileSource(new Map(), 'empty'))).rejects.toMatchObject({
      code: 'CHECKPOINT_NOT_FOUND',
      message: 'empty: no weights found; looked for model.safetensors.index.json, model.safetensors, pytorch_model.bin.index.json, pytorch_model.bin',
    });
  });

  it('reads a safetensors file tensor by tensor where the source can, with the same values as a whole-file read', async () => {
    const folder = localFileSource(referenceScale('t5-lm-adapt-bf16').dir); // bf16: widened through a scratch buffer
    const whole: FileSource = { description: folder.description, read: folder.read }; // no open(): whole-file path
    const [ranged, read] = [await readCheckpointParameters(folder), await readCheckpointParameters(whole)];
    expect([...ranged.keys()]).toEqual([...read.keys()]);
    for (const [name, tensor] of ranged) expect(tensor.data, name).toEqual(read.get(name)!.data);
    const distinct = new Set([...ranged.values()].map((t) => t.data.buffer));
    expect(distinct.size).toBe(ranged.size); // each tensor owns its buffer: nothing aliases the scratch
  });
});
