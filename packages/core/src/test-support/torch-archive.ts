/**
 * Test builders for PyTorch checkpoints: pickle bytes written opcode by opcode (protocol 2, as
 * torch.save writes a state dict) and a stored zip archive, optionally in ZIP64 form. They build
 * inputs torch itself rarely writes (strided views, forbidden globals, ZIP64) without Python.
 */
import { crc32 } from '../checkpoint/zip-archive.js';
import type { HostTensor } from '../model/parameters.js';

/** Pickle opcodes, assembled in order. */
export class PickleWriter {
  private readonly parts: number[] = [0x80, 2];

  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }

  global(module: string, name: string): this {
    return this.op(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }

  string(value: string): this {
    const bytes = new TextEncoder().encode(value);
    return this.op(0x58, ...le32(bytes.length), ...bytes);
  }

  int(value: number): this {
    return this.op(0x4a, ...le32(value));
  }

  ints(values: readonly number[]): this {
    this.op(0x28);
    for (const v of values) this.int(v);
    return this.op(0x74);
  }

  /** `name: _rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict())` inside an open dict. */
  tensor(name: string, t: { storageType: string; key: string; numel: number; offset: number; shape: readonly number[]; stride: readonly number[] }): this {
    this.string(name).global('torch._utils', '_rebuild_tensor_v2').op(0x28, 0x28).string('storage').global('torch', t.storageType).string(t.key).string('cpu').int(t.numel).op(0x74, 0x51);
    this.int(t.offset).ints(t.shape).ints(t.stride).op(0x89).global('collections', 'OrderedDict').op(0x29, 0x52, 0x74, 0x52);
    return this.op(0x73);
  }

  bytes(): Uint8Array {
    return Uint8Array.from([...this.parts, 0x2e]);
  }
}

function le32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

/** A stored zip of `files`; `zip64` writes every size and offset through ZIP64 records. */
export function storedZip(files: ReadonlyArray<readonly [string, Uint8Array]>, { zip64 = false } = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const push = (chunk: Uint8Array) => {
    chunks.push(chunk);
    offset += chunk.length;
  };
  for (const [name, data] of files) {
    const nameBytes = new TextEncoder().encode(name);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(26, nameBytes.length, true);
    const localOffset = offset;
    push(new Uint8Array(local.buffer));
    push(nameBytes);
    push(data);
    const extra = zip64 ? new DataView(new ArrayBuffer(28)) : null;
    const entry = new DataView(new ArrayBuffer(46));
    entry.setUint32(0, 0x02014b50, true);
    entry.setUint32(16, crc32(data), true);
    for (const at of [20, 24, 42]) entry.setUint32(at, zip64 ? 0xffffffff : at === 42 ? localOffset : data.length, true);
    entry.setUint16(28, nameBytes.length, true);
    if (extra) {
      entry.setUint16(30, 28, true);
      extra.setUint16(0, 0x0001, true);
      extra.setUint16(2, 24, true);
      extra.setBigUint64(4, BigInt(data.length), true);
      extra.setBigUint64(12, BigInt(data.length), true);
      extra.setBigUint64(20, BigInt(localOffset), true);
    }
    central.push(new Uint8Array(entry.buffer), nameBytes, ...(extra ? [new Uint8Array(extra.buffer)] : []));
  }
  const directoryOffset = offset;
  central.forEach(push);
  const directorySize = offset - directoryOffset;
  if (zip64) {
    const record = new DataView(new ArrayBuffer(56 + 20));
    record.setUint32(0, 0x06064b50, true);
    record.setBigUint64(4, 44n, true);
    record.setBigUint64(24, BigInt(files.length), true);
    record.setBigUint64(32, BigInt(files.length), true);
    record.setBigUint64(40, BigInt(directorySize), true);
    record.setBigUint64(48, BigInt(directoryOffset), true);
    record.setUint32(56, 0x07064b50, true);
    record.setBigUint64(64, BigInt(offset), true);
    push(new Uint8Array(record.buffer));
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, zip64 ? 0xffff : files.length, true);
  end.setUint16(10, zip64 ? 0xffff : files.length, true);
  end.setUint32(12, zip64 ? 0xffffffff : directorySize, true);
  end.setUint32(16, zip64 ? 0xffffffff : directoryOffset, true);
  push(new Uint8Array(end.buffer));
  const out = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** A `torch.save(state_dict)`-shaped archive of float32 tensors, one contiguous storage each. */
export function torchSave(params: ReadonlyMap<string, HostTensor>, folder = 'archive'): Uint8Array {
  const pickle = new PickleWriter().op(0x7d);
  const files: Array<readonly [string, Uint8Array]> = [];
  [...params].forEach(([name, { shape, data }], i) => {
    const stride = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
    pickle.tensor(name, { storageType: 'FloatStorage', key: String(i), numel: data.length, offset: 0, shape, stride });
    files.push([`${folder}/data/${i}`, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]);
  });
  return storedZip([[`${folder}/data.pkl`, pickle.bytes()], ...files]);
}
