import { inferencePaths, inferenceSchemas } from './inference-paths.js';
import { registryPaths, registrySchemas } from './registry-paths.js';
import { error, ok, sharedSchemas } from './shared.js';
import { tokenPaths, tokenSchemas } from './token-paths.js';
import type { HttpMethod, OpenApiOperation, OpenApiPathItem, OpenApiPaths, OpenApiResponse } from './types.js';

/**
 * The OpenAPI 3.1 document served at GET /v1/openapi.json, assembled from per-area path objects
 * (registry, tokens, inference). A test checks that every route the app registers is in it.
 */

const metaPaths: OpenApiPaths = {
  '/healthz': {
    get: { operationId: 'health', tags: ['meta'], summary: 'liveness (not rate limited)', responses: { 200: ok('alive', { type: 'object', properties: { ok: { const: true } } }) } },
  },
  '/v1/openapi.json': {
    get: { operationId: 'openApiDocument', tags: ['meta'], summary: 'this document', responses: { 200: ok('the OpenAPI 3.1 document', { type: 'object' }) } },
  },
};

const rateLimited: OpenApiResponse = {
  ...error('over RATE_LIMIT_PER_MINUTE requests in a minute from this client (the bearer token\'s owner, else the address)', 'RATE_LIMITED'),
  headers: { 'Retry-After': { description: 'seconds until the window resets', schema: { type: 'integer' } } },
};

/** Every /v1 operation can answer 429: the rate limit runs before the routes. */
function withRateLimit(path: string, item: OpenApiPathItem): OpenApiPathItem {
  if (!path.startsWith('/v1/')) return item;
  const entries = Object.entries(item) as Array<[HttpMethod, OpenApiOperation]>;
  return Object.fromEntries(entries.map(([method, op]) => [method, { ...op, responses: { ...op.responses, 429: rateLimited } }]));
}

/** Merges areas; two areas may describe different methods of one path. */
function mergePaths(...areas: OpenApiPaths[]): OpenApiPaths {
  const merged: Record<string, OpenApiPathItem> = {};
  for (const area of areas) for (const [path, item] of Object.entries(area)) merged[path] = withRateLimit(path, { ...merged[path], ...item });
  return merged;
}

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'ptune edge API',
    version: '1.0.0',
    description:
      'The prompt registry (publish, list, show, download, promote/roll back, delete; publish tokens) and task inference against the frozen model. ' +
      'Every 4xx answer is JSON `{"error": {"code", "message"}}` with a stable code. Consistency and deployment: infra/README.md.',
  },
  tags: [
    { name: 'registry', description: 'tasks and their prompt versions' },
    { name: 'tokens', description: 'publish tokens (admin only)' },
    { name: 'inference', description: 'predictions from the frozen model with a task prompt' },
    { name: 'meta', description: 'health and this document' },
  ],
  paths: mergePaths(metaPaths, registryPaths, tokenPaths, inferencePaths),
  components: {
    schemas: { ...sharedSchemas, ...registrySchemas, ...tokenSchemas, ...inferenceSchemas },
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'the ADMIN_TOKEN secret, or a publish token (`ptk_...`) the admin created' },
    },
  },
} as const;
