import { Hono } from 'hono';
import { ApiError } from '../errors.js';
import type { AppEnv } from '../http.js';
import { hostedModel, hostedModels } from '../model/catalog.js';

/**
 * A model id names immutable files (new weights get a new id), so files may be cached for a year
 * by browsers and CDNs; the ETag is the file's sha256 from the manifest.
 */
const FILE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

function contentTypeOf(name: string): string {
  return name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
}

/** `If-None-Match` lists the ETag (or is `*`). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === '*' || t === etag;
  });
}

/** The hosted frozen models: manifests, and their files for clients that run the model themselves (the web app). */
export const modelRoutes = new Hono<AppEnv>()
  .get('/models', async (c) => c.json({ models: (await hostedModels(c.env)).map((m) => m.manifest) }))
  .get('/models/:id', async (c) => c.json((await hostedModel(c.env, c.req.param('id'))).manifest))
  .get('/models/:id/files/:name', async (c) => {
    const { manifest, prefix } = await hostedModel(c.env, c.req.param('id'));
    const name = c.req.param('name');
    const file = manifest.files.find((f) => f.name === name);
    if (!file) throw new ApiError(404, 'MODEL_FILE_NOT_FOUND', `model "${manifest.id}" has no file "${name}" (files: ${manifest.files.map((f) => f.name).join(', ')})`);
    const etag = `"${file.sha256}"`;
    const headers = { etag, 'cache-control': FILE_CACHE_CONTROL };
    if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    const object = await c.env.MODELS.get(prefix + name);
    if (!object) throw new ApiError(503, 'MODEL_UNAVAILABLE', `model "${manifest.id}" lists "${name}", but R2 has no ${prefix}${name}`);
    if (object.size !== file.bytes) throw new ApiError(503, 'MODEL_UNAVAILABLE', `R2's ${prefix}${name} has ${object.size} bytes; the manifest says ${file.bytes}`);
    return c.body(object.body, 200, { ...headers, 'content-type': contentTypeOf(name), 'content-length': String(object.size) });
  });
