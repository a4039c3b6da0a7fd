import { BEARER, error, ifMatchParam, json, ok, ref, STALENESS, taskParam, versionParam } from './shared.js';
import type { JsonSchema, OpenApiPaths } from './types.js';

/** The registry: tasks, their versions, latest. */

const writeAuth =
  'Needs the admin token or a publish token whose prefix the task name starts with (401 without a bearer token, 403 with a wrong, revoked or out-of-scope one).';
const unauthorized = error('no bearer token', 'UNAUTHORIZED');
const forbidden = error('the bearer token is wrong, revoked, or not allowed to write this task', 'FORBIDDEN');
const conflict = error('the If-Match / ifLatest precondition failed: the latest version moved', 'CONFLICT');
const badTask = error('malformed task name or request', 'INVALID_TASK_NAME', 'BAD_REQUEST');

export const registrySchemas: Readonly<Record<string, JsonSchema>> = {
  PromptManifest: {
    type: 'object',
    description: "the artifact's manifest (task config with template and verbalizer, base model, fingerprint, training summary, dev metrics)",
    required: ['formatVersion', 'taskId', 'task', 'baseModel', 'architecture', 'fingerprint', 'promptLength', 'dModel', 'dtype', 'init', 'createdAt'],
    properties: {
      formatVersion: { type: 'integer' },
      taskId: { type: 'string' },
      taskName: { type: 'string' },
      task: { type: 'object' },
      baseModel: { type: 'string' },
      architecture: { type: 'string' },
      fingerprint: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
      promptLength: { type: 'integer' },
      dModel: { type: 'integer' },
      dtype: { enum: ['float32', 'float16'] },
      init: { type: 'object' },
      training: { type: 'object' },
      metrics: { type: 'object', additionalProperties: { type: 'number' } },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  VersionRecord: {
    type: 'object',
    required: ['version', 'sha256', 'bytes', 'createdAt', 'manifest'],
    properties: {
      version: { type: 'integer', minimum: 1, description: 'monotonically increasing per task, never reused' },
      sha256: { type: 'string', description: "the artifact's sha256 (its immutable id)" },
      bytes: { type: 'integer' },
      createdAt: { type: 'string', format: 'date-time' },
      manifest: ref('PromptManifest'),
    },
  },
  TaskRecord: {
    type: 'object',
    required: ['task', 'latest', 'versions', 'updatedAt'],
    properties: {
      task: { type: 'string' },
      latest: { type: ['integer', 'null'] },
      versions: { type: 'array', items: ref('VersionRecord') },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  },
};

export const registryPaths: OpenApiPaths = {
  '/v1/tasks': {
    get: {
      operationId: 'listTasks',
      tags: ['registry'],
      summary: 'list tasks with their latest version and version count',
      description: `Read from the KV replica. ${STALENESS}`,
      responses: {
        200: ok('the tasks', {
          type: 'object',
          required: ['tasks'],
          properties: {
            tasks: {
              type: 'array',
              items: { type: 'object', properties: { task: { type: 'string' }, latest: { type: ['integer', 'null'] }, versions: { type: 'integer' }, updatedAt: { type: 'string' } } },
            },
          },
        }),
      },
    },
  },
  '/v1/tasks/{task}': {
    get: {
      operationId: 'showTask',
      tags: ['registry'],
      summary: 'a task: its versions (manifests with metrics) and which is latest',
      description: 'Read from the Durable Object: always current.',
      parameters: [taskParam],
      responses: { 200: ok('the task', ref('TaskRecord')), 400: badTask, 404: error('no such task', 'TASK_NOT_FOUND') },
    },
    delete: {
      operationId: 'deleteTask',
      tags: ['registry'],
      summary: 'delete a task and all its versions (numbers are never reused)',
      description: `${writeAuth} ${STALENESS}`,
      security: BEARER,
      parameters: [taskParam, ifMatchParam],
      responses: {
        200: ok('deleted', { type: 'object', properties: { deleted: { type: 'string' } } }),
        400: badTask,
        401: unauthorized,
        403: forbidden,
        404: error('no such task', 'TASK_NOT_FOUND'),
        409: conflict,
      },
    },
  },
  '/v1/tasks/{task}/versions': {
    post: {
      operationId: 'publishVersion',
      tags: ['registry'],
      summary: 'publish a prompt artifact as a new version of the task (it becomes latest)',
      description:
        `${writeAuth} The artifact is validated like the core does (size, shape, dtype, NaN/Inf) and must fit the served model (fingerprint, d_model, architecture). ` +
        'Publishing bytes identical to an existing version of the task is idempotent: 200 with that version, `created: false`, and nothing changes ' +
        '(`latest` is not moved, and no precondition is checked, so a retried publish is safe). Concurrent publishes get distinct consecutive numbers. ' +
        STALENESS,
      security: BEARER,
      parameters: [taskParam, ifMatchParam],
      requestBody: { required: true, description: 'the .safetensors prompt artifact', content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
      responses: {
        201: ok('a new version', { allOf: [ref('VersionRecord'), { properties: { task: { type: 'string' }, created: { const: true } } }] }),
        200: ok('these bytes already are a version of the task', { allOf: [ref('VersionRecord'), { properties: { task: { type: 'string' }, created: { const: false } } }] }),
        400: error('not a valid artifact, bad task name or If-Match', 'ARTIFACT_INVALID', 'INVALID_TASK_NAME', 'BAD_REQUEST'),
        401: unauthorized,
        403: forbidden,
        409: conflict,
        413: error('artifact larger than MAX_ARTIFACT_BYTES', 'PAYLOAD_TOO_LARGE', 'ARTIFACT_TOO_LARGE'),
        415: error('Content-Type is not application/octet-stream', 'UNSUPPORTED_MEDIA_TYPE'),
        422: error(
          'the artifact does not fit the served model',
          'ARTIFACT_FINGERPRINT_MISMATCH',
          'ARTIFACT_DIM_MISMATCH',
          'ARTIFACT_ARCHITECTURE_MISMATCH',
          'ARTIFACT_VERSION_UNSUPPORTED',
        ),
      },
    },
  },
  '/v1/tasks/{task}/versions/{version}': {
    get: {
      operationId: 'downloadVersion',
      tags: ['registry'],
      summary: "download a version's artifact bytes",
      description: 'Read from the Durable Object; ETag is the sha256; cacheable for no longer than the staleness window (the version may be deleted).',
      parameters: [taskParam, versionParam],
      responses: {
        200: { description: 'the .safetensors artifact', content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
        400: badTask,
        404: error('no such task or version', 'TASK_NOT_FOUND', 'VERSION_NOT_FOUND'),
      },
    },
    delete: {
      operationId: 'deleteVersion',
      tags: ['registry'],
      summary: 'delete a version (if it was latest, the highest remaining version becomes latest)',
      description: `${writeAuth} ${STALENESS}`,
      security: BEARER,
      parameters: [taskParam, versionParam, ifMatchParam],
      responses: {
        200: ok('the task after the deletion', ref('TaskRecord')),
        400: badTask,
        401: unauthorized,
        403: forbidden,
        404: error('no such task or version', 'TASK_NOT_FOUND', 'VERSION_NOT_FOUND'),
        409: conflict,
      },
    },
  },
  '/v1/tasks/{task}/latest': {
    post: {
      operationId: 'setLatest',
      tags: ['registry'],
      summary: 'promote or roll back: point latest at an existing version',
      description: `${writeAuth} \`ifLatest\` (or If-Match) makes it conditional on the current latest version. ${STALENESS}`,
      security: BEARER,
      parameters: [taskParam, ifMatchParam],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['version'],
          properties: { version: { type: 'integer', minimum: 1 }, ifLatest: { type: 'integer', minimum: 1, description: 'only if latest is still this version (else 409)' } },
        }, { version: 1, ifLatest: 2 }),
      },
      responses: {
        200: ok('the task with its new latest', ref('TaskRecord')),
        400: error('malformed body or task name', 'BAD_REQUEST', 'MALFORMED_JSON', 'INVALID_TASK_NAME'),
        401: unauthorized,
        403: forbidden,
        404: error('no such task or version', 'TASK_NOT_FOUND', 'VERSION_NOT_FOUND'),
        409: conflict,
        415: error('Content-Type is not application/json', 'UNSUPPORTED_MEDIA_TYPE'),
      },
    },
  },
};
