import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPtuneError } from '../errors.js';
import { referenceScale } from '../test-support/assets.js';
import { readStoredZipEntries } from './zip-archive.js';
import { readTorchCheckpoint } from './torch-checkpoint.js';
import { unpickleStateDict } from './torch-pickle.js';

const bin = new Uint8Array(readFileSync(join(referenceScale('llama-bin-fp16').dir, 'pytorch_model.bin')));
const pickle = readStoredZipEntries(bin, 'bin').get('pytorch_model/data.pkl')!.bytes.slice();

/** Runs `read` and returns 'ok' or 'refused'; anything thrown that is not a PtuneError fails the property. */
function outcome(read: () => unknown): 'ok' | 'refused' {
  try {
    read();
    return 'ok';
  } catch (error) {
    if (!isPtuneError(error)) throw error;
    return 'refused';
  }
}

const flips = (length: number) => fc.array(fc.tuple(fc.nat({ max: length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 });

function flipped(bytes: Uint8Array, changes: ReadonlyArray<readonly [number, number]>): Uint8Array {
  const copy = bytes.slice();
  for (const [at, value] of changes) copy[at] = value;
  return copy;
}

describe('PyTorch .bin reader under corruption (fast-check)', () => {
  it('every truncation of a real checkpoint is a PtuneError', () => {
    fc.assert(fc.property(fc.nat({ max: bin.length - 1 }), (length) => {
      expect(outcome(() => readTorchCheckpoint(bin.subarray(0, length), 'truncated.bin'))).toBe('refused');
    }), { numRuns: 300 });
  });

  it('byte flips anywhere in the archive load or fail with a PtuneError', () => {
    fc.assert(fc.property(flips(bin.length), (changes) => {
      outcome(() => readTorchCheckpoint(flipped(bin, changes), 'flipped.bin'));
    }), { numRuns: 300 });
  });

  it('byte flips and truncations of the pickle itself (past its CRC) load or fail with a PtuneError', () => {
    fc.assert(fc.property(flips(pickle.length), fc.nat({ max: pickle.length }), (changes, length) => {
      outcome(() => unpickleStateDict(flipped(pickle, changes).subarray(0, length), 'data.pkl'));
    }), { numRuns: 500 });
  });

  it('random bytes and random opcode soups never escape as anything but a PtuneError', () => {
    const opcodes = [0x80, 0x95, 0x2e, 0x28, 0x30, 0x31, 0x32, 0x7d, 0x5d, 0x29, 0x74, 0x85, 0x86, 0x87, 0x4e, 0x88, 0x89, 0x4b, 0x4d, 0x4a, 0x8a, 0x58, 0x8c, 0x71, 0x68, 0x94, 0x63, 0x93, 0x51, 0x52, 0x62, 0x73, 0x75, 0x61, 0x65];
    const soup = fc.array(fc.oneof(fc.constantFrom(...opcodes), fc.integer({ min: 0, max: 255 })), { maxLength: 200 });
    fc.assert(fc.property(soup, (bytes) => {
      outcome(() => unpickleStateDict(Uint8Array.from(bytes), 'soup.pkl'));
      outcome(() => readTorchCheckpoint(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...bytes]), 'soup.bin'));
    }), { numRuns: 1000 });
  });
});
