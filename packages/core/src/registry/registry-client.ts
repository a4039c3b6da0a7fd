/**
 * HTTP calls to the edge API's registry, shared by the CLI and the web app (web-standard `fetch`,
 * no TensorFlow.js: `@ptune/core/registry`).
 */
import { PtuneError } from '../errors.js';

/** Resends of a request answered 503 with `Retry-After: 0` (the request never reached the Worker). */
const IMMEDIATE_RETRIES = 2;

/** The registry's base URL without a trailing slash; anything but http(s) is INVALID_ARGUMENT. */
export function registryBase(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new PtuneError('INVALID_ARGUMENT', `the registry must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new PtuneError('INVALID_ARGUMENT', `the registry must be an http(s) URL, got ${JSON.stringify(url)}`);
  return parsed.href.replace(/\/+$/, '');
}

/** `{base}/v1/tasks/{task}`. */
export function taskUrl(base: string, task: string): string {
  return `${base}/v1/tasks/${encodeURIComponent(task)}`;
}

/**
 * One call to the edge API. Its JSON errors (`{error: {code, message}}`) become INVALID_ARGUMENT
 * naming the server's code; an unreachable server or a 5xx is DOWNLOAD_FAILED. A 503 with
 * `Retry-After: 0` is resent at once: `wrangler dev`'s proxy answers so when it lost a request
 * before the Worker saw it (cloudflare/workers-sdk#14641); every registry write is idempotent or
 * conditional, so a resend is safe.
 */
export async function callRegistry<T>(base: string, path: string, init: RequestInit = {}): Promise<T> {
  const url = `${base}${path}`;
  let response: Response;
  for (let attempt = 0; ; attempt++) {
    try {
      response = await fetch(url, init);
    } catch (error) {
      const cause = error instanceof Error ? String(error.cause ?? error.message) : String(error);
      throw new PtuneError('DOWNLOAD_FAILED', `${url}: the registry is unreachable or refuses this origin (${cause})`);
    }
    if (response.status !== 503 || response.headers.get('retry-after') !== '0' || attempt === IMMEDIATE_RETRIES) break;
    await response.body?.cancel();
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // reported below
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    const what = `${init.method ?? 'GET'} ${url}: ${response.status} ${error?.code ?? ''}: ${error?.message ?? text.slice(0, 200)}`;
    throw new PtuneError(response.status >= 500 ? 'DOWNLOAD_FAILED' : 'INVALID_ARGUMENT', what);
  }
  if (body === null) throw new PtuneError('DOWNLOAD_FAILED', `${url}: the registry answered something that is not JSON`);
  return body as T;
}
