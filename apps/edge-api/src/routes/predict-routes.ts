import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { ApiError, toApiError } from '../errors.js';
import { asObject, readJson, versionNumber, type AppContext, type AppEnv } from '../http.js';
import { modelRunner } from '../model/runner.js';
import { ensembleLabels, MAX_ENSEMBLE, voteEnsemble, type EnsembleMember } from '../predict/ensemble.js';
import { cachedPrompt, type CachedPrompt } from '../predict/prompt-cache.js';
import { runRows, type RowsAnswer } from '../predict/run-rows.js';
import { checkTaskName, resolveVersion } from '../registry/registry.js';
import type { VersionRecord } from '../registry/types.js';

/** Most rows one request may answer (each classification row costs one forward row per label). */
export const MAX_ROWS = 64;
/** Most (version, input) rows of one ensemble request. */
export const MAX_ENSEMBLE_ROWS = 128;

interface ResolvedPrompt {
  readonly version: VersionRecord;
  readonly prompt: CachedPrompt;
}

/**
 * Resolves (task, version) pairs once each and loads their prompts; notes cache hits in the log.
 * The lookup throws a pair's client error (404 ...); `tryLookup` returns it instead (mixed batches
 * answer such rows with an error result). Server faults always fail the request.
 */
async function resolvePrompts(c: AppContext, wanted: ReadonlyArray<{ task: string; version: number | undefined }>) {
  const resolved = new Map<string, Promise<ResolvedPrompt | ApiError>>();
  const hits: boolean[] = [];
  const keyOf = (task: string, version: number | undefined) => `${task}@${version ?? 'latest'}`;
  for (const { task, version } of wanted) {
    const key = keyOf(task, version);
    if (resolved.has(key)) continue;
    resolved.set(key, (async () => {
      try {
        const record = await resolveVersion(c.env, task, version);
        const { prompt, hit } = await cachedPrompt(c.env, record.sha256);
        hits.push(hit);
        return { version: record, prompt };
      } catch (error) {
        const api = toApiError(error);
        if (api.status >= 500) throw error;
        return api;
      }
    })());
  }
  // Promise.all: one failure rejects at once and leaves no rejection unobserved.
  const settled = new Map(await Promise.all([...resolved].map(async ([key, promise]) => [key, await promise] as const)));
  c.var.log.cache = hits.every(Boolean) ? 'hit' : hits.some(Boolean) ? 'partial' : 'miss';
  const tryLookup = (task: string, version: number | undefined) => settled.get(keyOf(task, version))!;
  const lookup = (task: string, version: number | undefined): ResolvedPrompt => {
    const found = tryLookup(task, version);
    if (found instanceof ApiError) throw found;
    return found;
  };
  return Object.assign(lookup, { tryLookup });
}

function rowCount(list: unknown, what: string): unknown[] {
  if (!Array.isArray(list) || list.length === 0) throw new ApiError(400, 'BAD_REQUEST', `${what} must be a non-empty array`);
  if (list.length > MAX_ROWS) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `${what} has ${list.length} items; at most ${MAX_ROWS} per request`);
  return list;
}

function ensembleVersions(raw: unknown): number[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_ENSEMBLE) throw new ApiError(400, 'BAD_REQUEST', `ensemble must be an array of 1..${MAX_ENSEMBLE} version numbers`);
  const versions = raw.map((v, i) => versionNumber(v, `ensemble[${i}]`));
  if (new Set(versions).size !== versions.length) throw new ApiError(400, 'BAD_REQUEST', `ensemble names a version twice: ${JSON.stringify(raw)}`);
  return versions;
}

/** `stream: true` in the body or `Accept: text/event-stream` asks for server-sent events. */
function wantsStream(c: AppContext, body: Record<string, unknown>): boolean {
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw new ApiError(400, 'BAD_REQUEST', 'stream must be true or false');
  return body.stream === true || (c.req.header('accept') ?? '').includes('text/event-stream');
}

function noteRun(c: AppContext, answer: RowsAnswer): void {
  c.var.log.forwards = answer.forwards;
  c.header('x-ptune-forwards', String(answer.forwards));
}

/**
 * Server-sent events: `text` events `{index, text}` as generation rows decode, then one `done`
 * event carrying exactly the JSON the non-streamed request returns (or one `error` event).
 */
function streamAnswer(c: AppContext, run: (onText: (index: number, text: string) => void) => Promise<RowsAnswer>, body: (answer: RowsAnswer) => unknown) {
  return streamSSE(c, async (stream) => {
    let writes = Promise.resolve();
    const onText = (index: number, text: string) => {
      writes = writes.then(() => stream.writeSSE({ event: 'text', data: JSON.stringify({ index, text }) }));
    };
    try {
      const answer = await run(onText);
      await writes;
      await stream.writeSSE({ event: 'done', data: JSON.stringify(body(answer)) });
    } catch (error) {
      await writes.catch(() => undefined);
      const api = toApiError(error);
      if (api.status >= 500) console.error(JSON.stringify({ path: c.req.path, streamed: true, error: String(error) }));
      await stream.writeSSE({ event: 'error', data: JSON.stringify({ error: { code: api.code, message: api.message } }) });
    }
  });
}

/** Inference: one task (`/tasks/:task/predict`, optionally an ensemble of versions) or a mixed-task batch (`/predict`). */
export const predictRoutes = new Hono<AppEnv>()
  .post('/tasks/:task/predict', async (c) => {
    const task = checkTaskName(c.req.param('task'));
    c.var.log.task = task;
    c.var.log.runner = modelRunner(c.env).kind;
    const body = asObject(await readJson(c), 'body');
    const inputs = rowCount(body.inputs, 'inputs');
    const stream = wantsStream(c, body);
    c.var.log.rows = inputs.length;
    if (body.ensemble !== undefined) {
      if (body.version !== undefined) throw new ApiError(400, 'BAD_REQUEST', 'give either version or ensemble, not both');
      const versions = ensembleVersions(body.ensemble);
      if (versions.length * inputs.length > MAX_ENSEMBLE_ROWS) {
        throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `an ensemble of ${versions.length} over ${inputs.length} inputs is ${versions.length * inputs.length} rows; at most ${MAX_ENSEMBLE_ROWS}`);
      }
      c.var.log.version = versions.join('+');
      const lookup = await resolvePrompts(c, versions.map((version) => ({ task, version })));
      const members: EnsembleMember[] = versions.map((version) => ({ version, prompt: lookup(task, version).prompt }));
      const labels = ensembleLabels(members);
      const rows = members.flatMap((m) => inputs.map((input, i) => ({ prompt: m.prompt, input, at: `inputs[${i}]` })));
      const run = () => runRows(c.env, rows);
      const respond = (answer: RowsAnswer) => ({
        task,
        ensemble: versions.map((version) => ({ version, sha256: lookup(task, version).version.sha256 })),
        forwards: answer.forwards,
        predictions: voteEnsemble(members, labels, answer.results, inputs.length),
      });
      if (stream) return streamAnswer(c, run, respond);
      const answer = await run();
      noteRun(c, answer);
      return c.json(respond(answer));
    }
    const version = body.version === undefined ? undefined : versionNumber(body.version, 'version');
    const { version: record, prompt } = (await resolvePrompts(c, [{ task, version }]))(task, version);
    c.var.log.version = record.version;
    const rows = inputs.map((input, i) => ({ prompt, input, at: `inputs[${i}]` }));
    const respond = (answer: RowsAnswer) => ({ task, version: record.version, sha256: record.sha256, model: prompt.model.manifest.id, forwards: answer.forwards, predictions: answer.results });
    if (stream) return streamAnswer(c, (onText) => runRows(c.env, rows, { onText }), respond);
    const answer = await runRows(c.env, rows);
    noteRun(c, answer);
    return c.json(respond(answer));
  })
  .post('/predict', async (c) => {
    c.var.log.runner = modelRunner(c.env).kind;
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
    const { tryLookup } = await resolvePrompts(c, rows);
    // Per-row results: a row naming an unknown task or version, or an input its task cannot use,
    // is answered with {kind: "error"} in its place; the other rows are still answered.
    const found = rows.map((row) => tryLookup(row.task, row.version));
    const runnable = rows.flatMap((row, i) => {
      const prompt = found[i]!;
      return prompt instanceof ApiError ? [] : [{ index: i, planned: { prompt: prompt.prompt, input: row.input, at: row.at } }];
    });
    const answer = runnable.length > 0 ? await runRows(c.env, runnable.map((r) => r.planned), { perRowErrors: true }) : { results: [], forwards: 0, models: [] };
    const byRow = new Map(runnable.map((r, k) => [r.index, answer.results[k]!]));
    noteRun(c, answer);
    return c.json({
      forwards: answer.forwards,
      models: answer.models,
      results: rows.map((row, i) => {
        const prompt = found[i]!;
        if (prompt instanceof ApiError) return { task: row.task, ...(row.version === undefined ? {} : { version: row.version }), kind: 'error', error: { code: prompt.code, message: `rows[${i}]: ${prompt.message}` } };
        const result = byRow.get(i)!;
        const located = result.kind === 'error' ? { ...result, error: { ...result.error, message: result.error.message.replace(/^rows\[\d+\]/, `rows[${i}]`) } } : result;
        return { task: row.task, version: prompt.version.version, sha256: prompt.version.sha256, ...located };
      }),
    });
  });
