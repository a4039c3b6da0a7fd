import { DurableObject } from 'cloudflare:workers';
import type { PromptManifest } from '@ptune/core/artifact';
import { taskKey, type RegistryResult, type TaskRecord, type VersionRecord } from './types.js';

/** Stored state; `nextVersion` survives deletions so that a version number is never reused. */
interface StoredState {
  readonly record: TaskRecord | null;
  readonly nextVersion: number;
}

export interface PublishInput {
  readonly sha256: string;
  readonly bytes: number;
  readonly manifest: PromptManifest;
}

const STATE_KEY = 'state';
const TASK_NAME_KEY = 'task';
const REPLICA_RETRY_MS = 2_000;
const missingTask = (task: string) => ({ ok: false, status: 404, code: 'TASK_NOT_FOUND', message: `task "${task}" does not exist` }) as const;
const missingVersion = (task: string, version: number) =>
  ({ ok: false, status: 404, code: 'VERSION_NOT_FOUND', message: `task "${task}" has no version ${version}` }) as const;

/**
 * The optimistic-concurrency check of a conditional write: the caller saw `expectedLatest` as the
 * task's latest version; a write made after someone else moved it is refused (409) instead of
 * silently overriding their change. `undefined` = unconditional.
 */
function precondition(task: string, state: StoredState, expectedLatest: number | undefined) {
  const actual = state.record?.latest ?? null;
  if (expectedLatest === undefined || actual === expectedLatest) return null;
  return { ok: false, status: 409, code: 'CONFLICT', message: `task "${task}": expected latest version ${expectedLatest}, but it is ${actual ?? 'none'}` } as const;
}

/**
 * One instance per task (`idFromName(task)`): the single writer of the task's version numbers,
 * `latest` pointer and deletions. Every write runs inside `blockConcurrencyWhile`, so concurrent
 * publishes are serialised, and the KV replica is written before the next write starts (replica
 * updates never land out of order).
 */
export class TaskRegistry extends DurableObject<Env> {
  private async load(): Promise<StoredState> {
    return (await this.ctx.storage.get<StoredState>(STATE_KEY)) ?? { record: null, nextVersion: 1 };
  }

  private write<T>(task: string, change: (state: StoredState) => { state: StoredState; result: RegistryResult<T> }): Promise<RegistryResult<T>> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const { state, result } = change(await this.load());
      if (!result.ok) return result;
      await this.ctx.storage.put({ [STATE_KEY]: state, [TASK_NAME_KEY]: task });
      await this.replicate(task, state.record);
      return result;
    });
  }

  /**
   * Copies the record to KV. The write is committed already, so a failed copy (KV allows about
   * one write per second per key) is retried by an alarm instead of failing the request.
   */
  private async replicate(task: string, record: TaskRecord | null): Promise<void> {
    try {
      if (record) await this.env.REGISTRY.put(taskKey(task), JSON.stringify(record));
      else await this.env.REGISTRY.delete(taskKey(task));
    } catch (error) {
      console.error(JSON.stringify({ replica: task, error: String(error) }));
      await this.ctx.storage.setAlarm(Date.now() + REPLICA_RETRY_MS);
    }
  }

  override async alarm(): Promise<void> {
    const task = await this.ctx.storage.get<string>(TASK_NAME_KEY);
    if (task) await this.ctx.blockConcurrencyWhile(async () => this.replicate(task, (await this.load()).record));
  }

  /** The task as stored (strongly consistent). */
  async read(task: string): Promise<RegistryResult<TaskRecord>> {
    const { record } = await this.load();
    return record ? { ok: true, value: record } : missingTask(task);
  }

  /**
   * Adds a version and makes it `latest`. The same bytes published again return their existing
   * version and change nothing, before any precondition is checked: a retried publish is safe.
   */
  publish(task: string, input: PublishInput, expectedLatest?: number): Promise<RegistryResult<{ version: VersionRecord; created: boolean }>> {
    return this.write<{ version: VersionRecord; created: boolean }>(task, (state) => {
      const existing = state.record?.versions.find((v) => v.sha256 === input.sha256);
      if (existing) return { state, result: { ok: true, value: { version: existing, created: false } } };
      const conflict = precondition(task, state, expectedLatest);
      if (conflict) return { state, result: conflict };
      const now = new Date().toISOString();
      const version: VersionRecord = { version: state.nextVersion, createdAt: now, ...input };
      const record: TaskRecord = { task, latest: version.version, versions: [...(state.record?.versions ?? []), version], updatedAt: now };
      return { state: { record, nextVersion: state.nextVersion + 1 }, result: { ok: true, value: { version, created: true } } };
    });
  }

  /** Points `latest` at an existing version (promote or roll back). */
  setLatest(task: string, version: number, expectedLatest?: number): Promise<RegistryResult<TaskRecord>> {
    return this.write<TaskRecord>(task, (state) => {
      if (!state.record) return { state, result: missingTask(task) };
      if (!state.record.versions.some((v) => v.version === version)) return { state, result: missingVersion(task, version) };
      const conflict = precondition(task, state, expectedLatest);
      if (conflict) return { state, result: conflict };
      const record = { ...state.record, latest: version, updatedAt: new Date().toISOString() };
      return { state: { ...state, record }, result: { ok: true, value: record } };
    });
  }

  /** Removes one version; if it was `latest`, the highest remaining version becomes latest. */
  deleteVersion(task: string, version: number, expectedLatest?: number): Promise<RegistryResult<TaskRecord>> {
    return this.write<TaskRecord>(task, (state) => {
      if (!state.record) return { state, result: missingTask(task) };
      const versions = state.record.versions.filter((v) => v.version !== version);
      if (versions.length === state.record.versions.length) return { state, result: missingVersion(task, version) };
      const conflict = precondition(task, state, expectedLatest);
      if (conflict) return { state, result: conflict };
      const latest = state.record.latest === version ? (versions.at(-1)?.version ?? null) : state.record.latest;
      const record = { ...state.record, versions, latest, updatedAt: new Date().toISOString() };
      return { state: { ...state, record }, result: { ok: true, value: record } };
    });
  }

  /** Removes the task and all its versions (numbers are not reused if it is published again). */
  deleteTask(task: string, expectedLatest?: number): Promise<RegistryResult<{ deleted: string }>> {
    return this.write<{ deleted: string }>(task, (state) => {
      if (!state.record) return { state, result: missingTask(task) };
      const conflict = precondition(task, state, expectedLatest);
      if (conflict) return { state, result: conflict };
      return { state: { ...state, record: null }, result: { ok: true, value: { deleted: task } } };
    });
  }
}
