import type { FixedBatchLoss, RunSpec, RunStatus, SavedModelSource } from '../protocol.js';

/**
 * The current training run in IndexedDB, so that closing the tab and coming back resumes it:
 * `run` (what to train, written at the start and on status changes) and `checkpoint` (the core's
 * encoded `TrainingState`, rewritten every `checkpointEvery` steps). Data stays on the device.
 */
export interface StoredRun {
  readonly spec: RunSpec;
  readonly source: SavedModelSource;
  readonly fingerprint: string;
  readonly backend: string;
  readonly status: RunStatus;
  readonly fixedBatch: FixedBatchLoss;
  /** First vector of the initial prompt (absent in runs saved before it was recorded). */
  readonly initialVector?: readonly number[];
  readonly updatedAt: string;
}

const DB_NAME = 'ptune-trainer';
const STORE = 'state';
type Key = 'run' | 'checkpoint';

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

let opened: Promise<IDBDatabase> | null = null;

function database(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error(`cannot open IndexedDB ${DB_NAME}`));
  });
  return opened;
}

async function transact<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const transaction = (await database()).transaction(STORE, mode);
  const result = promised(work(transaction.objectStore(STORE)));
  await new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
  });
  return result;
}

const get = <T>(key: Key) => transact('readonly', (store) => store.get(key) as IDBRequest<T | undefined>);

export const runStore = {
  readRun: async (): Promise<StoredRun | null> => (await get<StoredRun>('run')) ?? null,
  writeRun: async (run: StoredRun): Promise<void> => void (await transact('readwrite', (store) => store.put(run, 'run'))),
  readCheckpoint: async (): Promise<Uint8Array | null> => (await get<Uint8Array>('checkpoint')) ?? null,
  writeCheckpoint: async (bytes: Uint8Array): Promise<void> => void (await transact('readwrite', (store) => store.put(bytes, 'checkpoint'))),
  clear: async (): Promise<void> => void (await transact('readwrite', (store) => store.clear())),
};
