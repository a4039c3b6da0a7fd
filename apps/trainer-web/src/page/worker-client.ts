import type { CallRequest, Calls, CallType, WorkerEvent, WorkerMessage } from '../protocol.js';

/** A failed call: the core's error code (e.g. DATA_INVALID) and its message, which names the row or field. */
export class WorkerCallError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'WorkerCallError';
  }
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** Typed calls into the training worker, plus a stream of its progress events. */
export class WorkerClient {
  private readonly worker = new Worker(new URL('../worker/trainer-worker.ts', import.meta.url), { type: 'module', name: 'ptune-trainer' });
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: WorkerEvent) => void>();
  private nextId = 1;

  constructor() {
    this.worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if (message.kind === 'result' || message.kind === 'error') {
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.kind === 'result') pending?.resolve(message.result);
        else pending?.reject(new WorkerCallError(message.code, message.message));
        return;
      }
      this.listeners.forEach((listener) => listener(message));
    };
    this.worker.onerror = (event) => {
      const error = new WorkerCallError('INTERNAL', `the training worker failed: ${event.message}`);
      this.pending.forEach((p) => p.reject(error));
      this.pending.clear();
    };
  }

  call<T extends CallType>(type: T, fields: Calls[T][0], transfer: Transferable[] = []): Promise<Calls[T][1]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...fields, id, type } as CallRequest<T>, transfer);
    });
  }

  onEvent(listener: (event: WorkerEvent) => void): void {
    this.listeners.add(listener);
  }
}
