import * as tf from '@tensorflow/tfjs-core';
import { PtuneError } from '../../errors.js';
import type { OptimizerName } from './optimizer-config.js';
import type { OptimizerSlot, OptimizerState } from './optimizer.js';

/** Slot name -> shape, for one parameter. */
export type SlotLayout = ReadonlyMap<string, readonly number[]>;
/** Slot name -> variable, for one parameter. */
export type Slots = ReadonlyMap<string, tf.Variable>;

const KEY = /^(0|[1-9]\d*)\.([A-Za-z_]\w*)$/;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((n, i) => n === b[i]);
const describe = (slots: ReadonlyMap<string, readonly number[]>) =>
  [...slots].map(([name, shape]) => `${name} [${shape.join(', ')}]`).join(', ') || 'none';

/** Throws INVALID_ARGUMENT unless params and grads pair up by index with equal shapes, all float32. */
export function checkStepInputs(optimizer: OptimizerName, params: readonly tf.Variable[], grads: readonly tf.Tensor[]): void {
  const fail = (message: string) => new PtuneError('INVALID_ARGUMENT', `${optimizer}.step: ${message}`);
  if (params.length === 0) throw fail('params must not be empty');
  if (grads.length !== params.length) throw fail(`grads must have one entry per param (${params.length}), got ${grads.length}`);
  params.forEach((param, i) => {
    const grad = grads[i]!;
    if (param.dtype !== 'float32') throw fail(`params[${i}] must be float32, got ${param.dtype}`);
    if (grad.dtype !== 'float32') throw fail(`grads[${i}] must be float32, got ${grad.dtype}`);
    if (!sameShape(grad.shape, param.shape)) throw fail(`grads[${i}] must have shape [${param.shape}] like params[${i}], got [${grad.shape}]`);
  });
}

/**
 * The per-parameter state tensors of an optimizer (non-trainable variables), created as zeros at
 * the first step or loaded from an `OptimizerState`, and read back into one.
 */
export class SlotStore {
  private slots: Map<string, tf.Variable>[] | null = null;
  private restored = false;

  constructor(
    private readonly optimizer: OptimizerName,
    private readonly layout: (shape: readonly number[]) => SlotLayout,
  ) {}

  /** The slots of each param; creates them on first use, else checks them against the params. */
  prepare(params: readonly tf.Variable[]): readonly Slots[] {
    if (!this.slots) {
      this.slots = params.map(
        (param) => new Map([...this.layout(param.shape)].map(([name, shape]) => [name, tf.tidy(() => tf.variable(tf.zeros([...shape]), false))])),
      );
      return this.slots;
    }
    const code = this.restored ? 'TRAINING_STATE_INVALID' : 'INVALID_ARGUMENT';
    const source = this.restored ? 'the restored state' : 'the first step';
    if (params.length !== this.slots.length) {
      throw new PtuneError(code, `${this.optimizer}.step: got ${params.length} params, ${source} had ${this.slots.length}`);
    }
    this.slots.forEach((slots, i) => {
      const expected = this.layout(params[i]!.shape);
      const actual = new Map([...slots].map(([name, v]) => [name, v.shape]));
      if (expected.size !== actual.size || [...expected].some(([name, shape]) => !sameShape(shape, actual.get(name) ?? []))) {
        throw new PtuneError(code, `${this.optimizer}.step: params[${i}] [${params[i]!.shape}] needs slots ${describe(expected)}; ${source} has ${describe(actual)}`);
      }
    });
    return this.slots;
  }

  /** Copies of every slot, keyed `${paramIndex}.${slotName}`. */
  async read(): Promise<Record<string, OptimizerSlot>> {
    const entries = (this.slots ?? []).flatMap((slots, i) => [...slots].map(([name, v]) => [`${i}.${name}`, v] as const));
    const values = await Promise.all(entries.map(async ([key, v]) => [key, { shape: [...v.shape], data: (await v.data<'float32'>()).slice() }] as const));
    return Object.fromEntries(values);
  }

  /** Validates a state and replaces the current slots with copies of its slots; returns its step count. */
  load(state: OptimizerState): number {
    const fail = (message: string) => new PtuneError('TRAINING_STATE_INVALID', `${this.optimizer}.setState: ${message}`);
    if (state?.name !== this.optimizer) throw fail(`the state is from optimizer ${JSON.stringify(state?.name)}, not ${this.optimizer}`);
    if (!Number.isSafeInteger(state.stepCount) || state.stepCount < 0) throw fail(`stepCount must be a non-negative integer, got ${state.stepCount}`);
    const byParam: Map<string, OptimizerSlot>[] = [];
    const entries = Object.entries(state.slots ?? {});
    for (const [key, slot] of entries) {
      const match = KEY.exec(key);
      if (!match) throw fail(`slot key "${key}" must look like "<paramIndex>.<slotName>"`);
      // Every param has at least one slot, so an index past the slot count means a gap.
      if (Number(match[1]) >= entries.length) throw fail(`slot key "${key}": param index out of range for ${entries.length} slots`);
      const shape: unknown = slot?.shape;
      if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) throw fail(`slot "${key}" needs a shape of non-negative integers`);
      const size = shape.reduce((a: number, b: number) => a * b, 1);
      if (!(slot.data instanceof Float32Array) || slot.data.length !== size) {
        throw fail(`slot "${key}" needs a Float32Array of ${size} values for shape [${shape}], got ${slot.data?.length ?? 'none'}`);
      }
      (byParam[Number(match[1])] ??= new Map()).set(match[2]!, slot);
    }
    const missing = Array.from(byParam, (slots, i) => (slots ? -1 : i)).find((i) => i >= 0);
    if (missing !== undefined) throw fail(`slots for param ${missing} are missing (params must be numbered 0..${byParam.length - 1})`);
    if ((state.stepCount === 0) !== (byParam.length === 0)) {
      throw fail(`a state at step ${state.stepCount} must have ${state.stepCount === 0 ? 'no' : 'some'} slots, got ${byParam.length} params' worth`);
    }
    this.dispose();
    if (byParam.length === 0) return 0;
    this.slots = byParam.map(
      (slots) => new Map([...slots].map(([name, s]) => [name, tf.tidy(() => tf.variable(tf.tensor(s.data.slice(), [...s.shape], 'float32'), false))])),
    );
    this.restored = true;
    return state.stepCount;
  }

  dispose(): void {
    for (const slots of this.slots ?? []) for (const v of slots.values()) v.dispose();
    this.slots = null;
    this.restored = false;
  }
}
