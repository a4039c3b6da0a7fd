import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { checkArtifactCompatibility, decodePromptArtifact } from '@ptune/core/artifact';
import { requireAdmin } from '../auth.js';
import { ApiError } from '../errors.js';
import { asObject, readJson, requireContentType, versionNumber, type AppContext, type AppEnv } from '../http.js';
import { servedModel } from '../model/frozen-model.js';
import { checkTaskName, listTaskNames, readPromptBytes, readReplica, taskRegistry, writePromptBytes } from '../registry/registry.js';

const admin = (c: AppContext) => requireAdmin(c.req.header('authorization'), c.env.ADMIN_TOKEN);

function taskParam(c: AppContext): string {
  const task = checkTaskName(c.req.param('task') ?? '');
  c.var.log.task = task;
  return task;
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
      taskParam(c);
      await admin(c);
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
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const artifact = decodePromptArtifact(bytes, 'upload', { maxBytes: Number(c.env.MAX_ARTIFACT_BYTES) });
      const { model } = await servedModel(c.env);
      checkArtifactCompatibility(artifact, { fingerprint: model.fingerprint, dModel: model.dModel, architecture: model.architecture }, 'upload');
      await writePromptBytes(c.env, artifact.sha256, bytes); // content-addressed: written before the version exists
      const { version, created } = await taskRegistry(c.env, task).publish({ sha256: artifact.sha256, bytes: bytes.byteLength, manifest: artifact.manifest });
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
      'cache-control': 'public, max-age=31536000, immutable',
    });
  })
  .post('/tasks/:task/latest', async (c) => {
    const task = taskParam(c);
    await admin(c);
    const version = versionNumber(asObject(await readJson(c), 'body').version, 'version');
    c.var.log.version = version;
    return c.json(await taskRegistry(c.env, task).setLatest(version));
  })
  .delete('/tasks/:task/versions/:version', async (c) => {
    const task = taskParam(c);
    await admin(c);
    const version = versionNumber(c.req.param('version'), 'version');
    c.var.log.version = version;
    return c.json(await taskRegistry(c.env, task).deleteVersion(version));
  })
  .delete('/tasks/:task', async (c) => {
    const task = taskParam(c);
    await admin(c);
    return c.json(await taskRegistry(c.env, task).deleteTask());
  });
