/** Calls to the edge API registry (the only network calls besides the model download). */

export interface PublishedVersion {
  readonly task: string;
  readonly version: number;
  readonly sha256: string;
  readonly created: boolean;
}

export interface EdgePrediction {
  readonly label: string;
  readonly text: string;
  readonly scores: Readonly<Record<string, number>>;
}

export class RegistryError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** The registry's base URL without a trailing slash; throws on anything but http(s). */
export function registryBase(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new RegistryError('INVALID_ARGUMENT', `registry URL must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RegistryError('INVALID_ARGUMENT', `registry URL must be http(s), got ${parsed.protocol}`);
  return parsed.href.replace(/\/+$/, '');
}

async function call<T>(url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new RegistryError('DOWNLOAD_FAILED', `${url}: the registry is unreachable or does not allow this origin (CORS): ${error instanceof Error ? error.message : String(error)}`);
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
    throw new RegistryError(error?.code ?? `HTTP_${response.status}`, `${init.method ?? 'GET'} ${url}: ${response.status} ${error?.message ?? text.slice(0, 200)}`);
  }
  if (body === null) throw new RegistryError('DOWNLOAD_FAILED', `${url}: the registry answered something that is not JSON`);
  return body as T;
}

export function taskUrl(base: string, task: string): string {
  return `${base}/v1/tasks/${encodeURIComponent(task)}`;
}

/** `POST /v1/tasks/{task}/versions` with the artifact bytes: a new version (or the existing one for identical bytes). */
export function publishArtifact(base: string, token: string, task: string, bytes: Uint8Array): Promise<PublishedVersion> {
  return call<PublishedVersion>(`${taskUrl(base, task)}/versions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
  });
}

/** `POST /v1/tasks/{task}/predict` for one input pinned to `version`. */
export async function predictThroughEdge(base: string, task: string, version: number, fields: Readonly<Record<string, string>>): Promise<EdgePrediction> {
  const body = await call<{ predictions: EdgePrediction[] }>(`${taskUrl(base, task)}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [fields], version }),
  });
  const prediction = body.predictions[0];
  if (!prediction) throw new RegistryError('DOWNLOAD_FAILED', 'the edge API returned no prediction');
  return prediction;
}
