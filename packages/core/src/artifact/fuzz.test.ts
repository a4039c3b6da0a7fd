import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { PtuneError } from '../errors.js';
import { importNpy } from './npy.js';
import { exportPeft, importPeft } from './peft.js';
import { decodePromptArtifact, encodePromptArtifact, type PromptArtifact, type PromptManifestInput } from './prompt-artifact.js';

/**
 * Seeded mutation fuzzing (fast-check is not installed): every mutated input must either decode
 * to a fully valid artifact or throw a PtuneError; any other exception, or a hang, fails.
 */
const manifest: PromptManifestInput = {
  taskId: 'rte',
  taskName: 'RTE',
  task: { kind: 'classification', id: 'rte', name: 'RTE', template: '{premise} {hypothesis}', verbalizer: { a: ' yes', b: ' no' } },
  baseModel: 'stories260K',
  architecture: 'llama',
  fingerprint: `sha256:${'5a'.repeat(32)}`,
  init: { method: 'text', text: 'entailment' },
  training: { steps: 10, learningRate: 0.3 },
  metrics: { accuracy: 0.5 },
  createdAt: '2024-05-01T12:00:00Z',
};

/** mulberry32: a tiny seeded PRNG, so every failure is reproducible from its case number. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = ReturnType<typeof rng>;
const int = (r: Random, n: number) => Math.floor(r() * n);
const pick = <T>(r: Random, items: readonly T[]): T => items[int(r, items.length)]!;
const randomBytes = (r: Random, n: number) => Uint8Array.from({ length: n }, () => int(r, 256));
const WEIRD: readonly unknown[] = [0, -1, 1, 2, 3, 4, 1.5, 2 ** 31, 2 ** 53, 1e300, -0, '3', null, true, [], {}, [1, 2], 'F16', 'F32', 'BF16', 'I32', 'x'];

function split(bytes: Uint8Array) {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, any>, data: bytes.slice(8 + length) };
}

function craft(header: unknown, data: Uint8Array, lengthDelta = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, json.length + lengthDelta)), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Structural edits of the header JSON: numbers, dtypes, offsets, names, manifest fields. */
function editHeader(r: Random, bytes: Uint8Array): Uint8Array {
  const { header, data } = split(bytes);
  const tensor = header.prompt_embeddings;
  const manifestJson = JSON.parse(header.__metadata__['ptune.manifest']);
  switch (int(r, 9)) {
    case 0: tensor.dtype = pick(r, WEIRD); break;
    case 1: tensor.shape[int(r, 3)] = pick(r, WEIRD); break;
    case 2: tensor.data_offsets[int(r, 2)] += pick(r, [-4, -2, -1, 1, 2, 4, 1000]); break;
    case 3: tensor.data_offsets = pick(r, WEIRD); break;
    case 4: { // an own "__proto__" key too, as JSON.parse would create it
      const value = pick(r, [...WEIRD, { ...tensor }]);
      Object.defineProperty(header, pick(r, ['extra', 'prompt_embeddings', '__metadata__', '__proto__']), { value, enumerable: true, writable: true, configurable: true });
      break;
    }
    case 5: delete header[pick(r, ['prompt_embeddings', '__metadata__'])]; break;
    case 6: {
      const key = r() < 0.25 ? 'formatVersion' : pick(r, Object.keys(manifestJson));
      manifestJson[key] = pick(r, [...WEIRD, 'float16', 'float32', 't5', 'sha256:']);
      break;
    }
    case 7: delete manifestJson[pick(r, Object.keys(manifestJson))]; break;
    default: header.__metadata__['ptune.manifest'] = JSON.stringify(manifestJson).slice(0, int(r, 400)); return craft(header, data);
  }
  header.__metadata__ = { ...header.__metadata__, 'ptune.manifest': JSON.stringify(manifestJson) };
  return craft(header, data, r() < 0.1 ? pick(r, [-3, -1, 1, 9]) : 0);
}

type Structural = (r: Random, base: Uint8Array) => Uint8Array;

/** Edits of a .npy header: dtype, shape, order, padding. */
function editNpy(r: Random): Uint8Array {
  const descr = pick(r, ['<f4', '<f4', '<f2', '>f4', '<f8', '|u1', '', "[('a', '<f4')]"]);
  const shape = pick(r, ['(3, 4)', '(3, 4)', '(4, 3)', '(12,)', '(2, 6)', '(6, 2)', '(0, 4)', '(3, 4, 1)', '(99999999999, 4)', '(3, x)', '()']);
  const fortran = pick(r, ['False', 'False', 'True', 'maybe']);
  return npyFile(`{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`, randomFloats(r, pick(r, [48, 48, 24, 44, 52, 0])), pick(r, [1, 2, 3]));
}

function npyFile(header: string, data: Uint8Array, major = 1): Uint8Array {
  const preamble = major === 1 ? 10 : 12;
  const text = `${header.padEnd(Math.ceil((preamble + header.length + 1) / 64) * 64 - preamble - 1, ' ')}\n`;
  const out = new Uint8Array(preamble + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  if (major === 1) new DataView(out.buffer).setUint16(8, text.length, true);
  else new DataView(out.buffer).setUint32(8, text.length, true);
  out.set(new TextEncoder().encode(text), preamble);
  out.set(data, preamble + text.length);
  return out;
}

const randomFloats = (r: Random, bytes: number) => new Uint8Array(Float32Array.from({ length: bytes >> 2 }, () => (r() - 0.5) * 4).buffer, 0, bytes);

function mutate(r: Random, base: Uint8Array, structural: Structural | null = editHeader): Uint8Array {
  let bytes: Uint8Array = base.slice();
  for (let step = 0, steps = 1 + int(r, 3); step < steps; step++) {
    if (bytes.length === 0) bytes = randomBytes(r, 1 + int(r, 64));
    switch (int(r, 11)) {
      case 0: { // bit flips
        for (let n = 1 + int(r, 4); n > 0; n--) bytes[int(r, bytes.length)]! ^= 1 << int(r, 8);
        break;
      }
      case 1: bytes[int(r, bytes.length)] = int(r, 256); break;
      case 2: bytes = bytes.slice(0, int(r, bytes.length)); break; // truncation
      case 3: bytes = Uint8Array.from([...bytes, ...randomBytes(r, 1 + int(r, 64))]); break; // extension
      case 4: { // insert or delete a byte inside
        const at = int(r, bytes.length);
        bytes = r() < 0.5 ? Uint8Array.from([...bytes.subarray(0, at), int(r, 256), ...bytes.subarray(at)]) : Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + 1)]);
        break;
      }
      case 5: { // header length field
        if (bytes.length >= 8) new DataView(bytes.buffer).setBigUint64(0, pick(r, [0n, 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(r, bytes.length + 16))]), true);
        break;
      }
      case 6: case 7: case 8: if (step === 0 && structural) bytes = structural(r, base); break; // structural edits, sometimes mutated further
      case 9: bytes = randomBytes(r, int(r, 2048)); break;
      default: { // float bytes in the data section: NaN/Inf/huge patterns
        const at = bytes.length - 4 * (1 + int(r, 8));
        if (at >= 8) new DataView(bytes.buffer).setUint32(at, pick(r, [0x7fc00000, 0x7f800000, 0xff800000, 0x7f7fffff, 0x00000001, 0x7c007c00]), true);
      }
    }
  }
  return bytes;
}

/** A decode that succeeded must be an artifact we would write ourselves. */
function checkValid(artifact: PromptArtifact, bytes: Uint8Array): void {
  const { manifest: m, embeddings } = artifact;
  if (embeddings.length !== m.promptLength * m.dModel) throw new Error('embeddings length disagrees with the manifest');
  if (!embeddings.every(Number.isFinite)) throw new Error('non-finite value accepted');
  if (artifact.sha256 !== bytesToHex(sha256(bytes))) throw new Error('sha256 is not the file digest');
  const again = encodePromptArtifact({ embeddings, promptLength: m.promptLength, dModel: m.dModel, manifest: m, dtype: m.dtype });
  const back = decodePromptArtifact(again, 're-encoded');
  if (!back.embeddings.every((v, i) => Object.is(v, embeddings[i]))) throw new Error('re-encoding changed values');
}

function run(cases: number, seed: number, attempt: (r: Random, i: number) => void): Record<string, number> {
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < cases; i++) {
    const r = rng(seed * 1_000_003 + i);
    try {
      attempt(r, i);
      outcomes.ok = (outcomes.ok ?? 0) + 1;
    } catch (error) {
      if (!(error instanceof PtuneError)) throw new Error(`case ${i} (seed ${seed}) threw ${String(error)}`, { cause: error });
      outcomes[error.code] = (outcomes[error.code] ?? 0) + 1;
    }
  }
  return outcomes;
}

describe('artifact fuzzing', () => {
  const embeddings = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 3.1) * 2);
  const bases = [
    encodePromptArtifact({ embeddings: embeddings(12), promptLength: 3, dModel: 4, manifest }),
    encodePromptArtifact({ embeddings: embeddings(16), promptLength: 2, dModel: 8, manifest, dtype: 'float16' }),
    encodePromptArtifact({ embeddings: embeddings(5), promptLength: 5, dModel: 1, manifest: { ...manifest, architecture: 't5' } }),
  ];

  it('5000 mutated artifacts decode validly or throw a PtuneError', { timeout: 20_000 }, () => {
    const started = performance.now();
    const outcomes = run(5000, 1, (r) => {
      const bytes = mutate(r, pick(r, bases));
      const maxBytes = r() < 0.05 ? int(r, 1024) + 1 : undefined;
      checkValid(decodePromptArtifact(bytes, 'fuzz.safetensors', { maxBytes }), bytes);
    });
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(outcomes.ok).toBeGreaterThan(30); // data-bit flips that stay finite are valid
    expect(outcomes.ARTIFACT_INVALID).toBeGreaterThan(1500);
    expect(outcomes.ARTIFACT_VERSION_UNSUPPORTED).toBeGreaterThan(0);
    expect(outcomes.ARTIFACT_TOO_LARGE).toBeGreaterThan(0);
  });

  it('1000 mutated PEFT adapters and .npy files import validly or throw a PtuneError', { timeout: 20_000 }, () => {
    const peft = exportPeft(bases[1]!);
    const npy = npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", new Uint8Array(embeddings(12).buffer));
    expect(() => importNpy(npy, manifest)).not.toThrow();
    const outcomes = run(1000, 2, (r) => {
      let imported: Uint8Array;
      if (r() < 0.5) {
        const files = new Map(peft);
        const name = pick(r, [...files.keys()]);
        files.set(name, name.endsWith('.json') && r() < 0.5 ? mutateJson(r, files.get(name)!) : mutate(r, files.get(name)!, null));
        imported = importPeft(files, manifest);
      } else {
        imported = importNpy(mutate(r, npy, editNpy), manifest);
      }
      checkValid(decodePromptArtifact(imported, 'imported'), imported);
    });
    expect(outcomes.ok).toBeGreaterThan(10);
    expect(outcomes.ARTIFACT_INVALID).toBeGreaterThan(300);
  });
});

function mutateJson(r: Random, bytes: Uint8Array): Uint8Array {
  const config = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  const key = pick(r, Object.keys(config));
  if (r() < 0.3) delete config[key];
  else config[key] = pick(r, [...WEIRD, 'CAUSAL_LM', 'SEQ_2_SEQ_LM', 'PROMPT_TUNING', 'TEXT', 8, 16]);
  return new TextEncoder().encode(JSON.stringify(config));
}
