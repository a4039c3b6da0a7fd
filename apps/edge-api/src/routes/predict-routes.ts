import { Hono } from 'hono';
import { ApiError } from '../errors.js';
import { asObject, readJson, versionNumber, type AppContext, type AppEnv } from '../http.js';
import { servedModel, type ServedModel } from '../model/frozen-model.js';
import { cachedPrompt, type CachedPrompt } from '../predict/prompt-cache.js';
import { rankRows, type PredictRow } from '../predict/rank-rows.js';
import { checkTaskName, resolveVersion } from '../registry/registry.js';
import type { VersionRecord } from '../registry/types.js';

/** Most rows one request may score (each row costs one forward row per label). */
export const MAX_ROWS = 64;

interface ResolvedPrompt {
  readonly version: VersionRecord;
  readonly prompt: CachedPrompt;
}

/** Resolves (task, version) pairs once each and loads their prompts; notes cache hits in the log. */
async function resolvePrompts(c: AppContext, served: ServedModel, wanted: ReadonlyArray<{ task: string; version: number | undefined }>) {
  const resolved = new Map<string, Promise<ResolvedPrompt>>();
  const hits: boolean[] = [];
  const keyOf = (task: string, version: number | undefined) => `${task}@${version ?? 'latest'}`;
  for (const { task, version } of wanted) {
    const key = keyOf(task, version);
    if (resolved.has(key)) continue;
    resolved.set(key, (async () => {
      const record = await resolveVersion(c.env, task, version);
      const { prompt, hit } = await cachedPrompt(c.env, record.sha256, served);
      hits.push(hit);
      return { version: record, prompt };
    })());
  }
  // Promise.all: one failure rejects at once and leaves no rejection unobserved.
  const settled = new Map(await Promise.all([...resolved].map(async ([key, promise]) => [key, await promise] as const)));
  c.var.log.cache = hits.every(Boolean) ? 'hit' : hits.some(Boolean) ? 'partial' : 'miss';
  return (task: string, version: number | undefined) => settled.get(keyOf(task, version))!;
}

function rowCount(list: unknown, what: string): unknown[] {
  if (!Array.isArray(list) || list.length === 0) throw new ApiError(400, 'BAD_REQUEST', `${what} must be a non-empty array`);
  if (list.length > MAX_ROWS) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `${what} has ${list.length} items; at most ${MAX_ROWS} per request`);
  return list;
}

/** Inference: one task (`/tasks/:task/predict`) or a mixed-task batch (`/predict`), each ONE forward pass. */
export const predictRoutes = new Hono<AppEnv>()
  .post('/tasks/:task/predict', async (c) => {
    const task = checkTaskName(c.req.param('task'));
    c.var.log.task = task;
    const body = asObject(await readJson(c), 'body');
    const inputs = rowCount(body.inputs, 'inputs');
    const version = body.version === undefined ? undefined : versionNumber(body.version, 'version');
    c.var.log.rows = inputs.length;
    const served = await servedModel(c.env);
    const lookup = await resolvePrompts(c, served, [{ task, version }]);
    const { version: record, prompt } = lookup(task, version);
    c.var.log.version = record.version;
    const predictions = await rankRows(served.model, inputs.map((input, i): PredictRow => ({ prompt, input, at: `inputs[${i}]` })));
    return c.json({ task, version: record.version, sha256: record.sha256, predictions });
  })
  .post('/predict', async (c) => {
    const body = await readJson(c);
    const list = rowCount(Array.isArray(body) ? body : asObject(body, 'body').rows, 'rows');
    const rows = list.map((raw, i) => {
      const row = asObject(raw, `rows[${i}]`);
      if (typeof row.task !== 'string') throw new ApiError(400, 'BAD_REQUEST', `rows[${i}].task must be a string`);
      const version = row.version === undefined ? undefined : versionNumber(row.version, `rows[${i}].version`);
      return { task: checkTaskName(row.task), version, input: row.input, at: `rows[${i}].input` };
    });
    c.var.log.rows = rows.length;
    c.var.log.tasks = new Set(rows.map((r) => r.task)).size;
    const served = await servedModel(c.env);
    const lookup = await resolvePrompts(c, served, rows);
    const predictions = await rankRows(served.model, rows.map((row) => ({ prompt: lookup(row.task, row.version).prompt, input: row.input, at: row.at })));
    return c.json({
      results: rows.map((row, i) => {
        const { version } = lookup(row.task, row.version);
        return { task: row.task, version: version.version, sha256: version.sha256, ...predictions[i]! };
      }),
    });
  });
