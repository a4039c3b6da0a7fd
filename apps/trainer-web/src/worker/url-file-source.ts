import { PtuneError, type FileSource } from '@ptune/core';

/** Cache API bucket for model files; bump the suffix if the stored format ever changes. */
export const MODEL_CACHE = 'ptune-model-files-v1';

export interface DownloadProgress {
  readonly file: string;
  readonly loaded: number;
  readonly total: number | null;
  readonly cached: boolean;
}

async function readWithProgress(response: Response, file: string, onProgress: (p: DownloadProgress) => void): Promise<Uint8Array<ArrayBuffer>> {
  const header = response.headers.get('content-length');
  const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress({ file, loaded, total, cached: false });
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Model files under a base URL: `{base}/{name}` for the names given (a URL cannot be listed, so the
 * caller names the files; others read as missing without a request). Each download reports
 * progress and is kept in the Cache API, so a reload reads the bytes back instead of downloading.
 */
export function urlFileSource(baseUrl: string, files: readonly string[], onProgress: (p: DownloadProgress) => void): FileSource {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    description: base,
    list: async () => [...files],
    async read(name) {
      if (!files.includes(name)) return null;
      const url = `${base}/${name.split('/').map(encodeURIComponent).join('/')}`;
      const cache = typeof caches === 'undefined' ? null : await caches.open(MODEL_CACHE);
      const hit = await cache?.match(url);
      if (hit) {
        const bytes = new Uint8Array(await hit.arrayBuffer());
        onProgress({ file: name, loaded: bytes.byteLength, total: bytes.byteLength, cached: true });
        return bytes;
      }
      let response: Response;
      try {
        response = await fetch(url);
      } catch (error) {
        throw new PtuneError('DOWNLOAD_FAILED', `${url}: the download failed (${error instanceof Error ? error.message : String(error)}); check the URL and that the server allows this origin (CORS)`);
      }
      if (response.status === 404) return null;
      if (!response.ok) throw new PtuneError('DOWNLOAD_FAILED', `${url}: HTTP ${response.status} ${response.statusText}`);
      const bytes = await readWithProgress(response, name, onProgress);
      await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) } }));
      return bytes;
    },
  };
}
