import { runRequestToJson, type RunResponse } from '@ptune/core';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../errors.js';
import type { ModelRunner, TextListener } from './runner.js';

/** One line of a model host's NDJSON stream (`Accept: application/x-ndjson`). */
type StreamLine = { text: { row: number; piece: string } } | { response: RunResponse } | { error: { code: string; message: string } };

const unavailable = (message: string) => new ApiError(503, 'MODEL_UNAVAILABLE', `model host: ${message}`);

/**
 * A host error as the API's error: bad client input the host detected (400, 413) keeps its status
 * and code; anything else (wrong model, host failure) is the server's problem, 503.
 */
function hostError(status: number, body: { code?: string; message?: string } | undefined): ApiError {
  const message = body?.message ?? `answered ${status}`;
  if ((status === 400 || status === 413) && body?.code) return new ApiError(status as ContentfulStatusCode, body.code as ApiError['code'], message);
  return unavailable(`${status} ${body?.code ?? ''}: ${message}`);
}

async function readStream(response: Response, onText: TextListener): Promise<RunResponse> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    buffered += value ?? '';
    const lines = buffered.split('\n');
    buffered = done ? '' : lines.pop()!;
    for (const line of lines.filter((l) => l.trim() !== '')) {
      const event = JSON.parse(line) as StreamLine;
      if ('text' in event) onText(event.text.row, event.text.piece);
      else if ('response' in event) return event.response;
      else throw hostError(event.error.code === 'INVALID_ARGUMENT' ? 400 : 503, event.error);
    }
    if (done) throw unavailable('the stream ended without a response');
  }
}

/** Runs requests on a model host (`ptune serve-model`) at `hostUrl`: `POST {hostUrl}/v1/run`. */
export function remoteRunner(hostUrl: string): ModelRunner {
  return {
    kind: 'remote',
    async run(hosted, request, onText) {
      if (!hostUrl) throw unavailable('MODEL_RUNNER is "remote" but MODEL_HOST_URL is empty');
      let response: Response;
      try {
        response = await fetch(new URL('/v1/run', hostUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: onText ? 'application/x-ndjson' : 'application/json' },
          body: JSON.stringify(runRequestToJson(request)),
        });
      } catch (error) {
        throw unavailable(`${hostUrl} is unreachable (${String(error)})`);
      }
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
        throw hostError(response.status, body?.error);
      }
      const answer = onText ? await readStream(response, onText) : ((await response.json()) as RunResponse);
      if (answer.model !== hosted.manifest.fingerprint) throw unavailable(`it ran model ${answer.model}, not "${hosted.manifest.id}" (${hosted.manifest.fingerprint})`);
      return answer;
    },
  };
}
