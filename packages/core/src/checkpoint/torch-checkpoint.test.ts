import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { localFileSource } from '../node/local-file-source.js';
import { maxAbsDiff, referenceScale } from '../test-support/assets.js';
import { describeEachBackend, tolerance } from '../test-support/backends.js';
import { PickleWriter, storedZip } from '../test-support/torch-archive.js';
import { loadModel } from './load-model.js';
import { readTorchCheckpoint } from './torch-checkpoint.js';
import { unpickleStateDict } from './torch-pickle.js';

const CASES = ['llama-bin-only', 'llama-bin-sharded', 'llama-bin-fp16'] as const;

describeEachBackend('PyTorch .bin checkpoints vs Hugging Face transformers (reference-scale)', (backend) => {
  for (const name of CASES) {
    describe(name, () => {
      const ref = referenceScale(name);
      let model: FrozenLanguageModel;
      beforeAll(async () => {
        model = (await loadModel(localFileSource(ref.dir))).model;
      });
      afterAll(() => model.dispose());

      it('logits match', async () => {
        const logits = model.forward({ ids: ref.ids('input_ids') });
        expect(logits.shape).toEqual(ref.tensor('logits').shape);
        expect(maxAbsDiff(await logits.data(), ref.tensor('logits').data)).toBeLessThanOrEqual(tolerance(backend));
        logits.dispose();
      });
    });
  }
});

const binBytes = new Uint8Array(readFileSync(join(referenceScale('llama-bin-only').dir, 'pytorch_model.bin')));
const floats = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe('PyTorch .bin reader', () => {
  it('strided views, shared storages and ZIP64 archives read correctly', () => {
    const pickle = new PickleWriter().op(0x7d)
      .tensor('transposed', { storageType: 'FloatStorage', key: '0', numel: 6, offset: 0, shape: [3, 2], stride: [1, 3] })
      .tensor('row', { storageType: 'FloatStorage', key: '0', numel: 6, offset: 3, shape: [3], stride: [1] })
      .tensor('tied', { storageType: 'FloatStorage', key: '0', numel: 6, offset: 3, shape: [3], stride: [1] })
      .tensor('half', { storageType: 'HalfStorage', key: '1', numel: 2, offset: 0, shape: [2], stride: [1] })
      .bytes();
    const files = [['archive/data.pkl', pickle], ['archive/data/0', floats([1, 2, 3, 4, 5, 6])], ['archive/data/1', Uint8Array.from([0x00, 0x3c, 0x00, 0xc0])]] as const;
    for (const zip64 of [false, true]) {
      const params = readTorchCheckpoint(storedZip(files, { zip64 }), 'strided.bin');
      expect(Array.from(params.get('transposed')!.data)).toEqual([1, 4, 2, 5, 3, 6]);
      expect(Array.from(params.get('row')!.data)).toEqual([4, 5, 6]);
      expect(params.get('tied')!.data).toBe(params.get('row')!.data);
      expect(Array.from(params.get('half')!.data)).toEqual([1, -2]);
    }
  });

  it('refuses views past their storage, the legacy format and compressed entries', () => {
    const pickle = new PickleWriter().op(0x7d).tensor('w', { storageType: 'FloatStorage', key: '0', numel: 4, offset: 2, shape: [2, 2], stride: [2, 1] }).bytes();
    expect(() => readTorchCheckpoint(storedZip([['a/data.pkl', pickle], ['a/data/0', floats([1, 2, 3, 4])]]), 'x.bin')).toThrow(/"w" \[2, 2\] reaches element 5 of a 4-element storage/);
    const legacy = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);
    expect(() => readTorchCheckpoint(legacy, 'old.bin')).toThrow(/legacy \(pre-1\.6, non-zip\) torch\.save format.*re-save/);
    const compressed = binBytes.slice();
    const view = new DataView(compressed.buffer);
    const directory = compressed.findIndex((_, i) => view.getUint32(i, true) === 0x02014b50);
    view.setUint16(directory + 10, 8, true); // data.pkl: deflate
    expect(() => readTorchCheckpoint(compressed, 'deflated.bin')).toThrow(/"pytorch_model\/data\.pkl" is compressed \(method 8\)/);
  });

  it('a pickle naming any other global is refused by name before anything runs', () => {
    // os.system("echo pwned") via GLOBAL + REDUCE, the classic malicious pickle.
    const evil = new PickleWriter().global('os', 'system').string('echo pwned').op(0x85, 0x52).bytes();
    expect(() => unpickleStateDict(evil, 'evil.bin')).toThrow(expect.objectContaining({ code: 'CHECKPOINT_INVALID', message: expect.stringMatching(/global "os\.system".*refused/) }));
    const archive = storedZip([['evil/data.pkl', evil]]);
    expect(() => readTorchCheckpoint(archive, 'evil.bin')).toThrow(/evil\.bin.*global "os\.system"/);
    const longs = new PickleWriter().op(0x7d).tensor('ids', { storageType: 'LongStorage', key: '0', numel: 1, offset: 0, shape: [1], stride: [1] }).bytes();
    expect(() => unpickleStateDict(longs, 'ids.bin')).toThrow(/global "torch\.LongStorage"/);
    const builtins = new PickleWriter().global('builtins', 'eval').bytes();
    expect(() => unpickleStateDict(builtins, 'eval.bin')).toThrow(/global "builtins\.eval"/);
  });
});
