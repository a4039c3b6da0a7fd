import type { RunRequest, RunResponse } from '@ptune/core';
import { ApiError } from '../errors.js';
import type { HostedModel } from './catalog.js';
import { inIsolateRunner } from './in-isolate-runner.js';
import { remoteRunner } from './remote-runner.js';

/** Receives each new piece of generated text of a request row. */
export type TextListener = (row: number, piece: string) => void;

/**
 * Runs requests against a hosted frozen model. `in-isolate` loads the model from R2 into this
 * isolate (tfjs-wasm); `remote` sends the same request to a model host (`ptune serve-model`) for
 * models too large for an isolate. Both execute it with the core's `executeRun`.
 */
export interface ModelRunner {
  readonly kind: 'in-isolate' | 'remote';
  run(model: HostedModel, request: RunRequest, onText?: TextListener): Promise<RunResponse>;
}

/** The runner wrangler.toml's MODEL_RUNNER names (MODEL_HOST_URL for `remote`). */
export function modelRunner(env: Env): ModelRunner {
  if (env.MODEL_RUNNER === 'remote') return remoteRunner(env.MODEL_HOST_URL);
  if (env.MODEL_RUNNER && env.MODEL_RUNNER !== 'in-isolate') {
    throw new ApiError(503, 'MODEL_UNAVAILABLE', `MODEL_RUNNER must be "in-isolate" or "remote", got ${JSON.stringify(env.MODEL_RUNNER)}`);
  }
  return inIsolateRunner(env);
}
