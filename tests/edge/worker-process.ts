/**
 * The edge API Worker in workerd for tests: `wrangler dev` on 127.0.0.1, local KV/R2/Durable
 * Objects persisted to a temp folder, telemetry off, stories260K from the shared assets. A typed
 * wrapper of `infra/local-edge.mjs` (which the demo and the bench use too).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { EDGE_DIR, seedModel as seedModelInto, startLocalEdge } from '../../infra/local-edge.mjs';
import { ASSETS } from '../cli/run-cli.js';

export { EDGE_DIR };

/** Puts stories260K (llama2.c checkpoint + tokenizer) into the local R2 bucket under `persistDir`. */
export async function seedModel(persistDir: string): Promise<void> {
  await seedModelInto(persistDir, join(ASSETS, 'stories260K'));
}

export interface WorkerProcess {
  readonly url: string;
  /** Everything wrangler and the Worker printed so far (the Worker's log lines included). */
  output(): string;
  stop(): Promise<void>;
}

export interface StartWorkerOptions {
  /** Extra Worker vars (`--var NAME:VALUE`) besides ADMIN_TOKEN. */
  readonly vars?: Readonly<Record<string, string>>;
}

/** Starts `wrangler dev` and resolves once `/healthz` answers (rejects with wrangler's output if it dies first). */
export async function startWorker(persistDir: string, adminToken: string, startupMs = 60_000, options: StartWorkerOptions = {}): Promise<WorkerProcess> {
  const edge = await startLocalEdge({ persistDir, vars: { ...options.vars, ADMIN_TOKEN: adminToken }, startupMs });
  return { url: edge.url, output: edge.output, stop: edge.stop };
}

/**
 * Uploads a model folder to the local R2 bucket under `persistDir` as `models/{id}/` with its
 * manifest, through `infra/upload-model.sh` (as a deployment does).
 */
export async function seedHostedModel(persistDir: string, modelDir: string, id: string): Promise<void> {
  const script = join(EDGE_DIR, '../../infra/upload-model.sh');
  await new Promise<void>((resolve, reject) => {
    execFile('bash', [script, '--model', modelDir, '--id', id, '--local', '--persist-to', persistDir], { env: { ...process.env, PT_ASSETS_DIR: ASSETS }, timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`upload-model.sh ${id} failed: ${error.message}\n${stdout}${stderr}`)) : resolve(),
    );
  });
}
