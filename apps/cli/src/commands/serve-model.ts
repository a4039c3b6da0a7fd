import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename } from 'node:path';
import { Command } from 'commander';
import {
  describeModel, executeRun, initBackend, isPtuneError, MODEL_ID_PATTERN, PromptStore, PtuneError, requireTokenizer, runRequestFromJson,
  type ModelManifest, type PtuneErrorCode, type RunResponse, type ServedLanguageModel,
} from '@ptune/core';
import { checkpointWeightBytes, nodeBackendOptions, resolveModelSource } from '@ptune/core/node';
import { addModelOptions, parseNumber, printJson, resolveOptions, type ModelOptions } from '../shared-options.js';

interface ServeModelFlags extends ModelOptions {
  port: number;
  host: string;
  id?: string;
  maxBodyBytes: number;
}

/** Bad input the host detected: the status it answers with (anything else is a 500). */
const STATUS_BY_CODE: Partial<Record<PtuneErrorCode | HostErrorCode, number>> = {
  INVALID_ARGUMENT: 400, DATA_INVALID: 400, SEQUENCE_TOO_LONG: 400, TOKEN_ID_OUT_OF_RANGE: 400, MALFORMED_JSON: 400,
  NOT_FOUND: 404, METHOD_NOT_ALLOWED: 405, PAYLOAD_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415,
  ARTIFACT_FINGERPRINT_MISMATCH: 422, ARTIFACT_DIM_MISMATCH: 422, MEMORY_LIMIT: 413,
};
type HostErrorCode = 'MALFORMED_JSON' | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'INTERNAL';

class HostError extends Error {
  constructor(readonly code: HostErrorCode, message: string) {
    super(message);
  }
}

function errorBody(error: unknown): { status: number; code: string; message: string } {
  const code = error instanceof HostError || isPtuneError(error) ? error.code : 'INTERNAL';
  const message = error instanceof HostError || isPtuneError(error) ? error.message : 'internal error';
  return { status: STATUS_BY_CODE[code] ?? 500, code, message };
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new HostError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got ${JSON.stringify(type)}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HostError('PAYLOAD_TOO_LARGE', `a run request may be at most ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HostError('MALFORMED_JSON', 'the request body is not valid JSON');
  }
}

/** A model id from `--id`, else the model spec's last path segment. */
function modelId(flags: ServeModelFlags): string {
  const id = flags.id ?? basename(flags.model.replace(/[\\/]+$/, '')).replace(/\.bin$/, '');
  if (!MODEL_ID_PATTERN.test(id)) throw new PtuneError('INVALID_ARGUMENT', `model id ${JSON.stringify(id)} must match ${MODEL_ID_PATTERN.source}: pass --id`);
  return id;
}

/**
 * The model host: runs edge run requests (`POST /v1/run`, the same request the Worker executes in
 * its isolate) with the core's `executeRun`, one at a time. `Accept: application/x-ndjson` streams
 * `{"text": {row, piece}}` lines before the final `{"response": ...}` line.
 */
function handler(manifest: ModelManifest, served: ServedLanguageModel, flags: ServeModelFlags) {
  const prompts = new PromptStore(served);
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  return async (request: IncomingMessage, response: ServerResponse) => {
    const started = Date.now();
    const path = (request.url ?? '/').split('?')[0]!;
    const log: Record<string, unknown> = {};
    const send = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    try {
      if (path === '/healthz' || path === '/v1/model') {
        if (request.method !== 'GET') throw new HostError('METHOD_NOT_ALLOWED', `${path} answers GET`);
        send(200, path === '/healthz' ? { ok: true, model: manifest.id, fingerprint: manifest.fingerprint } : manifest);
      } else if (path === '/v1/run') {
        if (request.method !== 'POST') throw new HostError('METHOD_NOT_ALLOWED', '/v1/run answers POST');
        const run = runRequestFromJson(await readBody(request, flags.maxBodyBytes));
        Object.assign(log, { rows: run.rows.length, prompts: run.prompts.length });
        const streaming = (request.headers.accept ?? '').includes('application/x-ndjson');
        // Headers go out with the first piece of text, so that errors found before any output keep their status.
        const write = (line: unknown) => {
          if (!response.headersSent) response.writeHead(200, { 'content-type': 'application/x-ndjson' });
          response.write(`${JSON.stringify(line)}\n`);
        };
        const answer: RunResponse = await serialised(() => executeRun(served, prompts, run, streaming ? { onText: (row, piece) => write({ text: { row, piece } }) } : {}));
        log.forwards = answer.forwards;
        if (streaming) {
          write({ response: answer });
          response.end();
        } else {
          send(200, answer);
        }
      } else {
        throw new HostError('NOT_FOUND', `no endpoint ${request.method} ${path}`);
      }
    } catch (error) {
      const { status, code, message } = errorBody(error);
      log.code = code;
      if (status >= 500) process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      if (!response.headersSent) send(status, { error: { code, message } });
      else response.end(`${JSON.stringify({ error: { code, message } })}\n`); // mid-stream: the last NDJSON line
    }
    printJson({ at: new Date(started).toISOString(), method: request.method, path, status: response.statusCode, ms: Date.now() - started, ...log });
  };
}

export function serveModelCommand(): Command {
  return addModelOptions(new Command('serve-model'))
    .description('serve a frozen model to edge Workers (MODEL_RUNNER=remote): POST /v1/run, GET /v1/model, GET /healthz')
    .option('--port <n>', 'TCP port (0 = any free port; the URL is printed)', parseNumber('--port', { integer: true, min: 0, max: 65535 }), 8788)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--id <id>', "the model's id in manifests (default: the model's name or folder name)")
    .option('--max-body-bytes <n>', 'largest accepted run request', parseNumber('--max-body-bytes', { integer: true, min: 1 }), 32 * 1024 * 1024)
    .action(async (flags: ServeModelFlags) => {
      const id = modelId(flags);
      const source = await resolveModelSource(flags.model, resolveOptions(flags));
      await initBackend(flags.backend, nodeBackendOptions({ weightBytes: await checkpointWeightBytes(source) }));
      const { manifest, loaded } = await describeModel(source, id);
      const served = { model: loaded.model, tokenizer: requireTokenizer(loaded) };
      const server = createServer(handler(manifest, served, flags));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error: NodeJS.ErrnoException) => reject(new PtuneError('INVALID_ARGUMENT', `cannot listen on ${flags.host}:${flags.port} (${error.code ?? error.message})`)));
        server.listen(flags.port, flags.host, () => resolve());
      });
      const { port } = server.address() as { port: number };
      const url = `http://${flags.host.includes(':') ? `[${flags.host}]` : flags.host}:${port}`;
      printJson({ listening: url, model: manifest.id, fingerprint: manifest.fingerprint, architecture: manifest.architecture });
      await new Promise<void>((resolve) => {
        const stop = () => {
          server.close(() => resolve());
          server.closeAllConnections(); // keep-alive clients must not hold the process open
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
