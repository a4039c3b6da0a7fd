import { error, json, ok, ref, STALENESS, taskParam } from './shared.js';
import type { JsonSchema, OpenApiParameter, OpenApiPaths } from './types.js';

/**
 * Inference against the hosted frozen models (one task, an ensemble of versions, a mixed-task
 * batch; classification and generation, streamed as server-sent events) and the models themselves.
 */

const input: JsonSchema = {
  description: "a string (one-field templates) or an object giving each of the template's fields as a string",
  oneOf: [
    { type: 'string', maxLength: 8192 },
    { type: 'object', additionalProperties: { oneOf: [{ type: 'string', maxLength: 8192 }, { type: 'array', items: { type: 'string', maxLength: 8192 }, description: "a multiple-choice task's candidate list field" }] } },
  ],
};
const forwards: JsonSchema = { type: 'integer', description: 'batched model passes this request ran: one per hosted model for classification rows, plus one generation batch per model' };
const SSE =
  'With `"stream": true` or `Accept: text/event-stream` the answer is server-sent events: `text` events `{"index", "text"}` ' +
  'carry generated text as it is decoded (their texts per index concatenate to the final text), then one `done` event carries exactly the JSON ' +
  'the non-streamed request returns, or one `error` event `{"error": {"code", "message"}}`.';

export const inferenceSchemas: Readonly<Record<string, JsonSchema>> = {
  Prediction: {
    type: 'object',
    required: ['kind', 'label', 'name', 'text', 'scores', 'truncated'],
    properties: {
      kind: { const: 'classification' },
      label: { type: 'string', description: 'the label key, as in the data' },
      name: { type: 'string', description: "what the label means (the task's labelNames), else the label" },
      text: { type: 'string', description: 'the verbalized label the model scored' },
      scores: { type: 'object', additionalProperties: { type: 'number' }, description: 'per label, the log-likelihood of its verbalizer' },
      truncated: { type: 'boolean', description: 'the input lost words to fit the context' },
    },
  },
  Generation: {
    type: 'object',
    required: ['kind', 'text', 'tokens', 'stopReason', 'truncated'],
    properties: {
      kind: { const: 'generation' },
      text: { type: 'string', description: "the greedy continuation with the task's soft prompt as prefix (at most the task's maxNewTokens)" },
      tokens: { type: 'array', items: { type: 'integer' } },
      stopReason: { enum: ['stop-token', 'max-tokens', 'context'] },
      truncated: { type: 'boolean', description: 'the input lost words to fit the context' },
    },
  },
  Choice: {
    type: 'object',
    required: ['kind', 'choice', 'text', 'scores', 'candidates', 'truncated'],
    properties: {
      kind: { const: 'multiple-choice' },
      choice: { type: 'integer', description: "index of the chosen candidate among this row's own candidates" },
      text: { type: 'string', description: 'the chosen candidate, trimmed' },
      scores: { type: 'array', items: { type: 'number' }, description: 'per candidate, in order, its log-likelihood' },
      candidates: { type: 'array', items: { type: 'string' } },
      truncated: { type: 'boolean', description: 'the input lost words to fit the context' },
    },
  },
  RowError: {
    type: 'object',
    required: ['kind', 'error'],
    description: 'a row that could not be answered (unknown task or version in a mixed batch, a missing field, a value the wording lacks); the other rows are answered',
    properties: { kind: { const: 'error' }, error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
  },
  Answer: { oneOf: [ref('Prediction'), ref('Choice'), ref('Generation'), ref('RowError')], discriminator: { propertyName: 'kind' } },
  EnsemblePrediction: {
    type: 'object',
    required: ['label', 'text', 'votes', 'truncated'],
    properties: {
      label: { type: 'string', description: 'the majority label (ties: the highest summed score)' },
      text: { type: 'string' },
      votes: {
        type: 'array',
        items: { type: 'object', properties: { version: { type: 'integer' }, label: { type: 'string' }, scores: { type: 'object', additionalProperties: { type: 'number' } } } },
      },
      truncated: { type: 'boolean' },
    },
  },
  ModelManifest: {
    type: 'object',
    required: ['manifestVersion', 'id', 'architecture', 'fingerprint', 'dModel', 'vocabSize', 'maxSeqLen', 'files'],
    properties: {
      manifestVersion: { const: 1 },
      id: { type: 'string' },
      architecture: { enum: ['llama', 't5'] },
      fingerprint: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$', description: 'the fingerprint prompts are bound to' },
      dModel: { type: 'integer' },
      vocabSize: { type: 'integer' },
      maxSeqLen: { type: 'integer' },
      files: {
        type: 'array',
        items: { type: 'object', required: ['name', 'bytes', 'sha256'], properties: { name: { type: 'string' }, bytes: { type: 'integer' }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
      },
    },
  },
};

const predictErrors = {
  400: error('malformed request, input or task name, or an ensemble with two label sets', 'BAD_REQUEST', 'MALFORMED_JSON', 'INVALID_TASK_NAME', 'INVALID_ARGUMENT', 'DATA_INVALID', 'SEQUENCE_TOO_LONG'),
  404: error('no such task or version', 'TASK_NOT_FOUND', 'VERSION_NOT_FOUND'),
  413: error('more than 64 inputs or rows (128 version x input rows for an ensemble)', 'PAYLOAD_TOO_LARGE'),
  415: error('Content-Type is not application/json', 'UNSUPPORTED_MEDIA_TYPE'),
  422: error('the stored prompt cannot be served (no hosted model has its fingerprint, or its task kind cannot be answered)', 'UNSUPPORTED_TASK_KIND', 'ARTIFACT_FINGERPRINT_MISMATCH'),
  503: error('the frozen model could not be loaded, or the model host (MODEL_RUNNER=remote) is unreachable', 'MODEL_UNAVAILABLE'),
};
const sseContent = { 'text/event-stream': { schema: { type: 'string', description: SSE } } };
const modelId: OpenApiParameter = { name: 'id', in: 'path', required: true, description: 'model id (see GET /v1/models)', schema: { type: 'string' } };

export const inferencePaths: OpenApiPaths = {
  '/v1/tasks/{task}/predict': {
    post: {
      operationId: 'predictTask',
      tags: ['inference'],
      summary: "answer inputs with a task's prompt (latest, a pinned version, or a majority-vote ensemble of versions), one batched forward",
      description:
        `Classification tasks are ranked (label, its name and per-label scores), multiple-choice tasks rank each input's own candidates (give them as the task's fields, or its list field), generation tasks generate text. ` +
        `An input missing a field is a 400 for the request; one the runner cannot encode (a value the task's wording lacks, too long) is answered with a RowError in its place. The prompt runs on the hosted model whose fingerprint it carries. ` +
        `\`ensemble: [v1, v2, ...]\` runs every version over every input in ONE forward pass and returns the majority vote with each version's label. ${SSE} ${STALENESS}`,
      parameters: [taskParam],
      requestBody: {
        required: true,
        content: json(
          {
            type: 'object',
            required: ['inputs'],
            properties: {
              inputs: { type: 'array', minItems: 1, maxItems: 64, items: input },
              version: { type: 'integer', minimum: 1 },
              ensemble: { type: 'array', minItems: 1, maxItems: 8, uniqueItems: true, items: { type: 'integer', minimum: 1 }, description: 'versions to ensemble (not with version)' },
              stream: { type: 'boolean', description: 'answer as server-sent events' },
            },
          },
          { inputs: ['a gripping, beautifully acted film'] },
        ),
      },
      responses: {
        200: {
          description: 'one answer per input, the version(s) used, the model and the forward passes run (also in the `x-ptune-forwards` header)',
          content: {
            ...json({
              oneOf: [
                {
                  type: 'object',
                  required: ['task', 'version', 'sha256', 'model', 'forwards', 'predictions'],
                  properties: { task: { type: 'string' }, version: { type: 'integer' }, sha256: { type: 'string' }, model: { type: 'string' }, forwards, predictions: { type: 'array', items: ref('Answer') } },
                },
                {
                  type: 'object',
                  required: ['task', 'ensemble', 'forwards', 'predictions'],
                  properties: {
                    task: { type: 'string' },
                    ensemble: { type: 'array', items: { type: 'object', properties: { version: { type: 'integer' }, sha256: { type: 'string' } } } },
                    forwards,
                    predictions: { type: 'array', items: ref('EnsemblePrediction') },
                  },
                },
              ],
            }),
            ...sseContent,
          },
        },
        ...predictErrors,
      },
    },
  },
  '/v1/predict': {
    post: {
      operationId: 'predictMixedBatch',
      tags: ['inference'],
      summary: 'a mixed-task batch: rows of different tasks answered with ONE forward pass per hosted model present, each row with its own prompt',
      description:
        `Each row's answer equals the single-task endpoint's. Per-row errors: a row naming an unknown task or version, or an input its task cannot use, ` +
        `is answered with \`{"kind": "error", "error": {"code", "message"}}\` in its place and the other rows are still answered (200); only a malformed ` +
        `request (not an array, too many rows, a row that is not an object) is a 400. The body may also be a bare array of rows. ${STALENESS}`,
      requestBody: {
        required: true,
        content: json(
          {
            type: 'object',
            required: ['rows'],
            properties: {
              rows: {
                type: 'array',
                minItems: 1,
                maxItems: 64,
                items: { type: 'object', required: ['task', 'input'], properties: { task: { type: 'string' }, input, version: { type: 'integer', minimum: 1 } } },
              },
            },
          },
          { rows: [{ task: 'sst2', input: 'dull and far too long' }, { task: 'cb', input: { premise: '...', hypothesis: '...' } }] },
        ),
      },
      responses: {
        200: ok('one result per row, in order; the forward passes run and the models used', {
          type: 'object',
          required: ['forwards', 'models', 'results'],
          properties: {
            forwards,
            models: { type: 'array', items: { type: 'string' } },
            results: { type: 'array', items: { allOf: [ref('Answer'), { properties: { task: { type: 'string' }, version: { type: 'integer' }, sha256: { type: 'string' } } }] } },
          },
        }),
        ...predictErrors,
      },
    },
  },
  '/v1/models': {
    get: {
      operationId: 'listModels',
      tags: ['models'],
      summary: 'the hosted frozen models, each with its manifest (id, architecture, fingerprint, files with sizes and sha256)',
      responses: { 200: ok('the hosted models', { type: 'object', required: ['models'], properties: { models: { type: 'array', items: ref('ModelManifest') } } }) },
    },
  },
  '/v1/models/{id}': {
    get: {
      operationId: 'showModel',
      tags: ['models'],
      summary: "one hosted model's manifest",
      parameters: [modelId],
      responses: { 200: ok('the manifest', ref('ModelManifest')), 404: error('no such model', 'MODEL_NOT_FOUND') },
    },
  },
  '/v1/models/{id}/files/{name}': {
    get: {
      operationId: 'downloadModelFile',
      tags: ['models'],
      summary: "a model file, streamed from R2 (for clients that run the model themselves, e.g. the web app)",
      description: 'A model id names immutable files: `Cache-Control: public, max-age=31536000, immutable`, `ETag` = the sha256 from the manifest; `If-None-Match` with it answers 304.',
      parameters: [modelId, { name: 'name', in: 'path', required: true, description: 'a file name from the manifest', schema: { type: 'string' } }],
      responses: {
        200: {
          description: 'the file (application/json for .json files, else application/octet-stream)',
          headers: { ETag: { description: 'the quoted sha256 of the file', schema: { type: 'string' } }, 'Content-Length': { description: 'bytes', schema: { type: 'integer' } } },
          content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } }, 'application/json': { schema: { type: 'object' } } },
        },
        304: { description: 'not modified (If-None-Match matched the ETag)' },
        404: error('no such model, or the manifest lists no such file', 'MODEL_NOT_FOUND', 'MODEL_FILE_NOT_FOUND'),
        503: error('R2 lacks a file the manifest lists, or its size differs', 'MODEL_UNAVAILABLE'),
      },
    },
  },
};
