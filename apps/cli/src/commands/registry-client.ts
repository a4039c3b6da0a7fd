import { PtuneError } from '@ptune/core';

/** `--registry URL` without a trailing slash; bad URLs are INVALID_ARGUMENT. */
export function registryBase(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PtuneError('INVALID_ARGUMENT', `--registry must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new PtuneError('INVALID_ARGUMENT', `--registry must be an http(s) URL, got ${JSON.stringify(url)}`);
  return parsed.href.replace(/\/+$/, '');
}

/**
 * One call to the edge API. Its JSON errors (`{error: {code, message}}`) become INVALID_ARGUMENT
 * naming the server's code (exit 2); an unreachable server or a 5xx is DOWNLOAD_FAILED (exit 5).
 */
export async function callRegistry<T>(base: string, path: string, init: RequestInit = {}): Promise<T> {
  const url = `${base}${path}`;
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new PtuneError('DOWNLOAD_FAILED', `${url}: the registry is unreachable (${(error as Error).cause ?? (error as Error).message})`);
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

/** `--token`, else `$PTUNE_REGISTRY_TOKEN`. */
export function registryToken(token: string | undefined): string {
  const value = token ?? process.env.PTUNE_REGISTRY_TOKEN;
  if (!value) throw new PtuneError('INVALID_ARGUMENT', 'give --token (or set PTUNE_REGISTRY_TOKEN)');
  return value;
}
