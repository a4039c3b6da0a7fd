import { BEARER, error, json, ok, ref } from './shared.js';
import type { JsonSchema, OpenApiPaths } from './types.js';

/** Publish tokens, managed by the admin. */

const adminOnly = { security: BEARER, description: 'Admin token only (a publish token gets 403).' };
const unauthorized = error('no bearer token', 'UNAUTHORIZED');
const notAdmin = error('not the admin token', 'FORBIDDEN');

export const tokenSchemas: Readonly<Record<string, JsonSchema>> = {
  PublishToken: {
    type: 'object',
    required: ['id', 'prefix', 'label', 'createdAt'],
    properties: {
      id: { type: 'string', pattern: '^[0-9a-f]{16}$' },
      prefix: { type: 'string', description: 'the token may publish, promote and delete only tasks whose name starts with this' },
      label: { type: ['string', 'null'] },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
};

export const tokenPaths: OpenApiPaths = {
  '/v1/tokens': {
    post: {
      operationId: 'createPublishToken',
      tags: ['tokens'],
      summary: 'create a publish token scoped to a task-name prefix',
      description: `${adminOnly.description} The token is returned once and stored only as its SHA-256 hash.`,
      security: adminOnly.security,
      requestBody: {
        required: true,
        content: json({ type: 'object', required: ['prefix'], properties: { prefix: { type: 'string' }, label: { type: 'string', maxLength: 100 } } }, { prefix: 'sst2', label: 'ci' }),
      },
      responses: {
        201: ok('the token (shown only now) and its record', { allOf: [ref('PublishToken'), { required: ['token'], properties: { token: { type: 'string', pattern: '^ptk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$' } } }] }),
        400: error('bad prefix, label or body', 'INVALID_TOKEN_PREFIX', 'BAD_REQUEST', 'MALFORMED_JSON'),
        401: unauthorized,
        403: notAdmin,
        415: error('Content-Type is not application/json', 'UNSUPPORTED_MEDIA_TYPE'),
      },
    },
    get: {
      operationId: 'listPublishTokens',
      tags: ['tokens'],
      summary: 'list publish tokens (ids, prefixes, labels; never the secrets)',
      description: adminOnly.description,
      security: adminOnly.security,
      responses: {
        200: ok('the tokens', { type: 'object', required: ['tokens'], properties: { tokens: { type: 'array', items: ref('PublishToken') } } }),
        401: unauthorized,
        403: notAdmin,
      },
    },
  },
  '/v1/tokens/{id}': {
    delete: {
      operationId: 'revokePublishToken',
      tags: ['tokens'],
      summary: 'revoke a publish token (effective on the next request, everywhere)',
      description: adminOnly.description,
      security: adminOnly.security,
      parameters: [{ name: 'id', in: 'path', required: true, description: 'token id', schema: { type: 'string' } }],
      responses: {
        200: ok('revoked', { type: 'object', properties: { revoked: ref('PublishToken') } }),
        401: unauthorized,
        403: notAdmin,
        404: error('no such token', 'TOKEN_NOT_FOUND'),
      },
    },
  },
};
