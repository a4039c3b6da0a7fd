import { PtuneError } from '../../errors.js';

const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Everything needed to issue one file request against the Hub. */
export interface HubRequest {
  readonly url: string;
  readonly repo: string;
  readonly revision: string;
  readonly file: string;
  readonly token: string | undefined;
  readonly fetch: typeof fetch;
  /** A 404 for this file is reported as `null` instead of an error. */
  readonly optional: boolean;
}

/** A successful response plus the Hub metadata headers that describe its content. */
export interface OpenedDownload {
  readonly response: Response;
  /** Headers of the response that describes the file (see `openHubFile`). */
  readonly metaHeaders: Headers;
}

/** Renders an error and its `cause` chain ("fetch failed: connect ECONNREFUSED ..."). */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth += 1) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}

function httpError(req: HubRequest, url: string, response: Response): PtuneError {
  const status = response.status;
  const hubMessage = response.headers.get('x-error-message');
  const detail = hubMessage ? ` (Hub says: ${hubMessage})` : '';
  if (status === 401 || status === 403) {
    const hint = req.token
      ? 'the token in use (HF_TOKEN or the token option) was rejected or lacks access to this repo'
      : 'the repo may be private or gated, or may not exist: set HF_TOKEN (or pass the token option) to a Hugging Face access token with read access';
    return new PtuneError('DOWNLOAD_FAILED', `Hub download of ${url} failed with HTTP ${status}${detail}: ${hint}`);
  }
  if (status === 404) {
    return new PtuneError(
      'DOWNLOAD_FAILED',
      `Not found on the Hub: file "${req.file}" in repo "${req.repo}" at revision "${req.revision}" (HTTP 404 from ${url})${detail}`,
    );
  }
  const text = response.statusText ? ` ${response.statusText}` : '';
  return new PtuneError('DOWNLOAD_FAILED', `Hub download of ${url} failed with HTTP ${status}${text}${detail}`);
}

/** An optional file may be missing; a missing repo or revision is still an error. */
function isMissingEntry(response: Response): boolean {
  const code = response.headers.get('x-error-code');
  return response.status === 404 && (code === null || code === 'EntryNotFound');
}

async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/**
 * Requests a file, following redirects by hand so that the Hub's own headers stay visible:
 * for LFS files the Hub answers 302 to a CDN and only that first response carries
 * `X-Linked-Etag` / `X-Linked-Size`. The describing response is the first one that has
 * `X-Linked-Etag`, redirects to another origin, or succeeds. The bearer token is only sent
 * to the origin of the original URL, never to the CDN.
 *
 * Resolves to null for a missing optional file; throws DOWNLOAD_FAILED otherwise.
 */
export async function openHubFile(req: HubRequest): Promise<OpenedDownload | null> {
  const trustedOrigin = new URL(req.url).origin;
  let url = req.url;
  let metaHeaders: Headers | null = null;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (req.token && new URL(url).origin === trustedOrigin) headers.authorization = `Bearer ${req.token}`;
    let response: Response;
    try {
      response = await req.fetch(url, { headers, redirect: 'manual' });
      // A browser-style fetch hides manual redirects; let it follow them instead.
      if (response.type === 'opaqueredirect') response = await req.fetch(url, { headers });
    } catch (error) {
      throw new PtuneError('DOWNLOAD_FAILED', `Hub download of ${url} failed: ${describeError(error)}`, { cause: error });
    }
    const location = response.headers.get('location');
    if (REDIRECT_STATUSES.has(response.status) && location !== null) {
      await discardBody(response);
      const next = new URL(location, url).toString();
      const describes = response.headers.has('x-linked-etag') || new URL(next).origin !== new URL(url).origin;
      if (metaHeaders === null && describes) metaHeaders = response.headers;
      url = next;
      continue;
    }
    if (response.ok) return { response, metaHeaders: metaHeaders ?? response.headers };
    await discardBody(response);
    if (req.optional && isMissingEntry(response)) return null;
    throw httpError(req, url, response);
  }
  throw new PtuneError('DOWNLOAD_FAILED', `Hub download of ${req.url} failed: more than ${MAX_REDIRECTS} redirects`);
}

/** Parses a non-negative integer header such as Content-Length; anything else is unknown. */
export function parseSizeHeader(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : null;
}
