import { REPLICA_CACHE_TTL_S } from '../registry/registry.js';
import type { JsonSchema, OpenApiMediaType, OpenApiParameter, OpenApiResponse } from './types.js';

/** Building blocks shared by the per-area path objects. */

export const ref = (schema: string): JsonSchema => ({ $ref: `#/components/schemas/${schema}` });
export const json = (schema: JsonSchema, example?: unknown): Readonly<Record<string, OpenApiMediaType>> => ({
  'application/json': example === undefined ? { schema } : { schema, example },
});
export const ok = (description: string, schema: JsonSchema): OpenApiResponse => ({ description, content: json(schema) });

/** An error response; `codes` are the stable `error.code` values this status can carry here. */
export const error = (description: string, ...codes: string[]): OpenApiResponse => ({
  description: `${description} (code ${codes.join(', ')})`,
  content: json({ allOf: [ref('Error'), { properties: { error: { properties: { code: { enum: codes } } } } }] }),
});

/** Operations that need a bearer token (the admin token or, where stated, a publish token). */
export const BEARER = [{ bearer: [] }] as const;

export const taskParam: OpenApiParameter = {
  name: 'task',
  in: 'path',
  required: true,
  description: 'task name',
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
};
export const versionParam: OpenApiParameter = { name: 'version', in: 'path', required: true, description: 'version number', schema: { type: 'integer', minimum: 1 } };
export const ifMatchParam: OpenApiParameter = {
  name: 'If-Match',
  in: 'header',
  description: 'a conditional write: only if the task\'s latest version is still this number (e.g. `"3"`); otherwise 409 CONFLICT',
  schema: { type: 'string', pattern: '^"?[0-9]+"?$' },
};

/** The staleness window, as the descriptions state it (see infra/README.md, "Consistency"). */
export const STALENESS =
  `Writes go through the task's Durable Object (strongly consistent); the read path for inference uses a KV replica of the ` +
  `task that other locations may see up to about ${REPLICA_CACHE_TTL_S} s late (KV cacheTtl ${REPLICA_CACHE_TTL_S} s plus propagation). ` +
  `A request that pins a version reads its own writes (a version the replica does not know yet is looked up in the Durable Object). ` +
  `A deleted version is never served once that window has passed.`;

/** Schemas used by more than one area. */
export const sharedSchemas: Readonly<Record<string, JsonSchema>> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string', description: 'stable, machine-readable' }, message: { type: 'string', description: 'for humans' } },
      },
    },
  },
};
