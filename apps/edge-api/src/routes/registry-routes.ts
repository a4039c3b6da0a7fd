import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { decodePromptArtifact } from '@ptune/core/artifact';
import { requireTaskWriter } from '../auth.js';
import { ApiError } from '../errors.js';
import { asObject, readJson, requireContentType, versionNumber, type AppContext, type AppEnv } from '../http.js';
import { modelForArtifact } from '../model/catalog.js';
import { checkTaskName, listTaskNames, readPromptBytes, readReplica, REPLICA_CACHE_TTL_S, taskRegistry, writePromptBytes } from '../registry/registry.js';

function taskParam(c: AppContext): string {
  const task = checkTaskName(c.req.param('task') ?? '');
  c.var.log.task = task;
  return task;
}

/** The task, once the bearer token may write it (admin, or a publish token whose prefix it starts with). */
function writableTask(c: AppContext): string {
  const task = taskParam(c);
  requireTaskWriter(c.var.credential, task);
  return task;
}

/**
 * The precondition of a conditional write: `If-Match: <n>` (or `"<n>"`) = "only if the task's
 * latest version is still n". Absent: unconditional.
 */
function ifMatchLatest(c: AppContext): number | undefined {
  const header = c.req.header('if-match');
  if (header === undefined) return undefined;
  const match = /^\s*"?(\d+)"?\s*$/.exec(header);
  if (!match) throw new ApiError(400, 'BAD_REQUEST', `If-Match must be the latest version number the write expects, e.g. "3", got ${JSON.stringify(header.slice(0, 40))}`);
  return versionNumber(match[1], 'If-Match');
}

/** The registry: publish, list, show, download, promote/roll back, delete. */
export const registryRoutes = new Hono<AppEnv>()
  .get('/tasks', async (c) => {
    const names = await listTaskNames(c.env);
    const tasks = await Promise.all(names.map((name) => readReplica(c.env, name)));
    return c.json({
      tasks: tasks.flatMap((t) => (t ? [{ task: t.task, latest: t.latest, versions: t.versions.length, updatedAt: t.updatedAt }] : [])),
    });
  })
  .get('/tasks/:task', async (c) => {
    const task = taskParam(c);
    return c.json(await taskRegistry(c.env, task).read());
  })
  .post(
    '/tasks/:task/versions',
    async (c, next) => {
      writableTask(c);
      requireContentType(c, 'application/octet-stream');
      const maxSize = Number(c.env.MAX_ARTIFACT_BYTES);
      const limit = bodyLimit({
        maxSize,
        onError: () => {
          throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `a prompt artifact may be at most ${maxSize} bytes`);
        },
      });
      return limit(c, next);
    },
    async (c) => {
      const task = taskParam(c);
      const expectedLatest = ifMatchLatest(c);
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const artifact = decodePromptArtifact(bytes, 'upload', { maxBytes: Number(c.env.MAX_ARTIFACT_BYTES) });
      await modelForArtifact(c.env, artifact, 'upload'); // a hosted model with the prompt's fingerprint, dModel and architecture
      await writePromptBytes(c.env, artifact.sha256, bytes); // content-addressed: written before the version exists
      const input = { sha256: artifact.sha256, bytes: bytes.byteLength, manifest: artifact.manifest };
      const { version, created } = await taskRegistry(c.env, task).publish(input, expectedLatest);
      c.var.log.version = version.version;
      return c.json({ task, created, ...version }, created ? 201 : 200);
    },
  )
  .get('/tasks/:task/versions/:version', async (c) => {
    const task = taskParam(c);
    const wanted = versionNumber(c.req.param('version'), 'version');
    c.var.log.version = wanted;
    const record = await taskRegistry(c.env, task).read();
    const version = record.versions.find((v) => v.version === wanted);
    if (!version) throw new ApiError(404, 'VERSION_NOT_FOUND', `task "${task}" has no version ${wanted}`);
    const bytes = await readPromptBytes(c.env, version.sha256);
    if (!bytes) throw new ApiError(404, 'VERSION_NOT_FOUND', `the bytes of task "${task}" version ${wanted} are missing`);
    return c.body(bytes, 200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${task}-v${wanted}.safetensors"`,
      etag: `"${version.sha256}"`,
      // Version n's bytes never change, but the version can be deleted: cache no longer than the staleness window.
      'cache-control': `public, max-age=${REPLICA_CACHE_TTL_S}`,
    });
  })
  .post('/tasks/:task/latest', async (c) => {
    const task = writableTask(c);
    const body = asObject(await readJson(c), 'body');
    const version = versionNumber(body.version, 'version');
    c.var.log.version = version;
    const expected = body.ifLatest === undefined ? ifMatchLatest(c) : versionNumber(body.ifLatest, 'ifLatest');
    return c.json(await taskRegistry(c.env, task).setLatest(version, expected));
  })
  .delete('/tasks/:task/versions/:version', async (c) => {
    const task = writableTask(c);
    const version = versionNumber(c.req.param('version'), 'version');
    c.var.log.version = version;
    return c.json(await taskRegistry(c.env, task).deleteVersion(version, ifMatchLatest(c)));
  })
  .delete('/tasks/:task', async (c) => {
    const task = writableTask(c);
    return c.json(await taskRegistry(c.env, task).deleteTask(ifMatchLatest(c)));
  });
