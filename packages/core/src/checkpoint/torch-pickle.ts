/**
 * A restricted unpickler for the `data.pkl` of a `torch.save`d state dict. It interprets the
 * pickle opcodes itself and resolves only the globals a state dict needs; any other global is
 * refused by name before anything is built, so no code named by the file ever runs (unlike
 * Python's `pickle.load`). Tensors come back as references into the archive's storages.
 */
import { PtuneError } from '../errors.js';
import type { FloatDtype } from '../safetensors/float-decode.js';

/** A typed storage `archive/data/<key>` of `numel` elements. */
export interface TorchStorageRef {
  readonly dtype: FloatDtype;
  readonly key: string;
  readonly numel: number;
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view into a storage. */
export interface TorchTensorRef {
  readonly storage: TorchStorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

const STORAGE_TYPES: Readonly<Record<string, FloatDtype>> = { FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16' };
const FUNCTIONS = ['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter'] as const;
type FunctionName = (typeof FUNCTIONS)[number];
const ALLOWED = [...FUNCTIONS, ...Object.keys(STORAGE_TYPES).map((name) => `torch.${name}`)];

class Global {
  constructor(readonly name: string) {}
}
class Dict {
  readonly items = new Map<string | number, Value>();
}
class StorageType {
  constructor(readonly dtype: FloatDtype) {}
}
class Storage {
  constructor(readonly ref: TorchStorageRef) {}
}
class Tensor {
  constructor(readonly ref: TorchTensorRef) {}
}
type Value = null | boolean | number | bigint | string | Uint8Array | Value[] | Dict | Global | StorageType | Storage | Tensor;
const MARK = Symbol('mark');

/** Reads `bytes` (a pickle) as a state dict: tensor name -> tensor reference. CHECKPOINT_INVALID for anything else. */
export function unpickleStateDict(bytes: Uint8Array, where: string): Map<string, TorchTensorRef> {
  const fail = (message: string): never => {
    throw new PtuneError('CHECKPOINT_INVALID', `${where}: ${message}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder('utf-8', { fatal: true });
  const stack: Array<Value | typeof MARK> = [];
  const memo = new Map<number, Value>();
  let at = 0;
  const take = (n: number): number => {
    if (n < 0 || at + n > bytes.byteLength) fail(`pickle ends inside an opcode at byte ${at} (truncated?)`);
    const start = at;
    at += n;
    return start;
  };
  const u8 = () => view.getUint8(take(1));
  const u32 = () => view.getUint32(take(4), true);
  const u64 = () => {
    const value = view.getBigUint64(take(8), true);
    return value > BigInt(bytes.byteLength) ? fail(`length ${value} exceeds the pickle`) : Number(value);
  };
  const raw = (n: number) => bytes.subarray(take(n), at);
  const utf8 = (n: number) => {
    try {
      return text.decode(raw(n));
    } catch {
      return fail(`invalid UTF-8 string at byte ${at - n}`);
    }
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) fail('GLOBAL without a newline (truncated?)');
    return new TextDecoder('latin1').decode(raw(end - at + 1)).slice(0, -1);
  };
  const pop = (): Value => {
    const value = stack.pop();
    if (value === undefined || value === MARK) return fail(`stack underflow at byte ${at - 1}`);
    return value;
  };
  const popMark = (): Value[] => {
    const mark = stack.lastIndexOf(MARK);
    if (mark < 0) fail(`no MARK before byte ${at - 1}`);
    return stack.splice(mark).slice(1) as Value[];
  };
  const top = (): Value => {
    const value = stack.at(-1);
    return value === undefined || value === MARK ? fail(`empty stack at byte ${at - 1}`) : value;
  };
  const global = (name: string): Value => {
    if (!ALLOWED.includes(name)) {
      fail(`the pickle asks for global "${name}", which a state dict never needs (allowed: ${ALLOWED.join(', ')}); refused without running anything`);
    }
    const storage = name.startsWith('torch.') ? STORAGE_TYPES[name.slice('torch.'.length)] : undefined;
    return storage ? new StorageType(storage) : new Global(name);
  };
  const setItems = (target: Value, pairs: Value[]) => {
    if (!(target instanceof Dict)) fail('SETITEM on something that is not a dict');
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const key = pairs[i]!;
      if (typeof key !== 'string' && typeof key !== 'number') fail(`dict key of type ${describe(key)}`);
      (target as Dict).items.set(key as string | number, pairs[i + 1]!);
    }
  };

  for (;;) {
    const opcode = u8();
    switch (opcode) {
      case 0x80: u8(); break; // PROTO
      case 0x95: take(8); break; // FRAME: a length hint only
      case 0x2e: return stateDict(pop(), stack.length, fail); // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x7d: stack.push(new Dict()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push([pop(), b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); stack.push([pop(), b, c]); break; } // TUPLE3
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(view.getUint16(take(2), true)); break; // BININT2
      case 0x4a: stack.push(view.getInt32(take(4), true)); break; // BININT
      case 0x8a: stack.push(long(raw(u8()))); break; // LONG1
      case 0x47: stack.push(view.getFloat64(take(8), false)); break; // BINFLOAT
      case 0x58: stack.push(utf8(u32())); break; // BINUNICODE
      case 0x8c: stack.push(utf8(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8(u64())); break; // BINUNICODE8
      case 0x55: stack.push(new TextDecoder('latin1').decode(raw(u8()))); break; // SHORT_BINSTRING
      case 0x54: stack.push(new TextDecoder('latin1').decode(raw(u32()))); break; // BINSTRING
      case 0x43: stack.push(raw(u8()).slice()); break; // SHORT_BINBYTES
      case 0x42: stack.push(raw(u32()).slice()); break; // BINBYTES
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const index = opcode === 0x68 ? u8() : u32();
        if (!memo.has(index)) fail(`memo ${index} read before it is written`);
        stack.push(memo.get(index)!);
        break;
      }
      case 0x63: { const module = line(); stack.push(global(`${module}.${line()}`)); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); stack.push(global(`${String(module)}.${String(name)}`)); break; } // STACK_GLOBAL
      case 0x51: stack.push(persistentStorage(pop(), fail)); break; // BINPERSID
      case 0x52: { const args = pop(); stack.push(call(pop(), args, fail)); break; } // REDUCE
      case 0x62: { const state = pop(); if (!(top() instanceof Dict) || !(state === null || state instanceof Dict)) fail('BUILD on something other than an OrderedDict'); break; } // BUILD: a state dict's `_metadata` is not needed
      case 0x73: { const value = pop(); const key = pop(); setItems(top(), [key, value]); break; } // SETITEM
      case 0x75: { const pairs = popMark(); setItems(top(), pairs); break; } // SETITEMS
      case 0x61: { const value = pop(); const list = top(); if (!Array.isArray(list)) fail('APPEND to a non-list'); (list as Value[]).push(value); break; } // APPEND
      case 0x65: { const values = popMark(); const list = top(); if (!Array.isArray(list)) fail('APPENDS to a non-list'); (list as Value[]).push(...values); break; } // APPENDS
      default:
        fail(`pickle opcode 0x${opcode.toString(16).padStart(2, '0')} at byte ${at - 1} is not one a state dict uses; refused`);
    }
  }
}

function long(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes.length > 0 && bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return value;
}

function describe(value: Value): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return 'tuple';
  return typeof value === 'object' ? value.constructor.name : typeof value;
}

function integer(value: Value | undefined, what: string, fail: (m: string) => never): number {
  const n = typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= 0n ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return fail(`${what} must be a non-negative integer, got ${describe(value ?? null)}`);
  return n;
}

function integers(value: Value, what: string, fail: (m: string) => never): number[] {
  if (!Array.isArray(value)) return fail(`${what} must be a tuple of integers, got ${describe(value)}`);
  return value.map((v, i) => integer(v, `${what}[${i}]`, fail));
}

/** `('storage', StorageType, key, location, numel)`, as torch.save writes each storage's persistent id. */
function persistentStorage(pid: Value, fail: (m: string) => never): Storage {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') return fail(`persistent id ${describe(pid)} is not a ('storage', type, key, location, numel) tuple`);
  const [, type, key] = pid;
  if (!(type instanceof StorageType)) return fail(`storage type ${describe(type!)} is not a float storage type`);
  if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(key)) return fail(`storage key ${JSON.stringify(key)} is not a plain name`);
  return new Storage({ dtype: type.dtype, key, numel: integer(pid[4], 'storage numel', fail) });
}

function call(callable: Value, args: Value, fail: (m: string) => never): Value {
  if (!(callable instanceof Global)) return fail(`REDUCE on ${describe(callable)}, not an allowed function`);
  if (!Array.isArray(args)) return fail(`arguments of ${callable.name} are not a tuple`);
  switch (callable.name as FunctionName) {
    case 'collections.OrderedDict':
      if (args.length > 0) fail('OrderedDict called with arguments');
      return new Dict();
    case 'torch._utils._rebuild_parameter':
      if (!(args[0] instanceof Tensor)) fail('_rebuild_parameter of something other than a tensor');
      return args[0]!;
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof Storage)) return fail(`_rebuild_tensor_v2 of a ${describe(storage ?? null)}, not a storage`);
      const shape = integers(size!, 'tensor size', fail);
      const strides = integers(stride!, 'tensor stride', fail);
      if (shape.length !== strides.length) fail(`tensor size has ${shape.length} dims, stride ${strides.length}`);
      return new Tensor({ storage: storage.ref, offset: integer(offset, 'storage offset', fail), shape, stride: strides });
    }
    default:
      return fail(`${callable.name} cannot be called`);
  }
}

function stateDict(value: Value, leftOnStack: number, fail: (m: string) => never): Map<string, TorchTensorRef> {
  if (leftOnStack !== 0) fail(`${leftOnStack} values left on the stack at STOP`);
  if (!(value instanceof Dict)) return fail(`the pickle holds a ${describe(value)}, not a state dict`);
  const tensors = new Map<string, TorchTensorRef>();
  for (const [name, tensor] of value.items) {
    if (typeof name !== 'string' || !(tensor instanceof Tensor)) return fail(`state dict entry ${JSON.stringify(name)} is a ${describe(tensor)}, not a tensor`);
    tensors.set(name, tensor.ref);
  }
  return tensors;
}
