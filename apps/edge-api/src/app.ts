import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError, toApiError } from './errors.js';
import type { AppEnv } from './http.js';
import { authenticate } from './middleware/authenticate.js';
import { corsForConfiguredOrigins } from './middleware/cors.js';
import { rateLimit } from './middleware/rate-limit.js';
import { openApiDocument } from './openapi/document.js';
import { modelRoutes } from './routes/model-routes.js';
import { predictRoutes } from './routes/predict-routes.js';
import { registryRoutes } from './routes/registry-routes.js';
import { tokenRoutes } from './routes/token-routes.js';

/** The edge API: registry and inference under /v1, JSON errors with stable codes, one log line per request. */
export const app = new Hono<AppEnv>();

app.use(async (c, next) => {
  const started = Date.now();
  c.set('log', {});
  await next();
  console.log(
    JSON.stringify({ at: new Date(started).toISOString(), method: c.req.method, path: c.req.path, status: c.res.status, ms: Date.now() - started, ...c.var.log }),
  );
});

app.use(corsForConfiguredOrigins);
app.get('/healthz', (c) => c.json({ ok: true }));
// Every /v1 request: its bearer token checked once, then counted against its client's rate limit.
app.use('/v1/*', authenticate, rateLimit);
app.get('/v1/openapi.json', (c) => c.json(openApiDocument));
app.route('/v1', registryRoutes);
app.route('/v1', tokenRoutes);
app.route('/v1', predictRoutes);
app.route('/v1', modelRoutes);

app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no endpoint ${c.req.method} ${c.req.path}` } }, 404));

app.onError((error, c) => {
  const api = error instanceof HTTPException && !(error instanceof ApiError) ? new ApiError(error.status as 400, 'BAD_REQUEST', error.message) : toApiError(error);
  if (api.status >= 500) console.error(JSON.stringify({ path: c.req.path, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), stack: error instanceof Error ? error.stack : undefined }));
  const log = c.get('log');
  if (log) log.code = api.code;
  return c.json({ error: { code: api.code, message: api.message } }, api.status, { ...api.headers });
});
