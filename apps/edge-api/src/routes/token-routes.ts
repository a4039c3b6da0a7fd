import { Hono } from 'hono';
import { requireAdmin } from '../auth.js';
import { ApiError } from '../errors.js';
import { asObject, readJson, type AppEnv } from '../http.js';
import { checkTokenLabel, checkTokenPrefix, TOKEN_ID_FORMAT, tokenRegistry } from '../registry/tokens.js';

/** Publish tokens, managed by the admin: create (the secret is shown once), list, revoke. */
export const tokenRoutes = new Hono<AppEnv>()
  .post('/tokens', async (c) => {
    requireAdmin(c.var.credential);
    const body = asObject(await readJson(c), 'body');
    const created = await tokenRegistry(c.env).create(checkTokenPrefix(body.prefix), checkTokenLabel(body.label));
    return c.json(created, 201);
  })
  .get('/tokens', async (c) => {
    requireAdmin(c.var.credential);
    return c.json({ tokens: await tokenRegistry(c.env).list() });
  })
  .delete('/tokens/:id', async (c) => {
    requireAdmin(c.var.credential);
    const id = c.req.param('id');
    if (!TOKEN_ID_FORMAT.test(id)) throw new ApiError(404, 'TOKEN_NOT_FOUND', `no publish token with id ${JSON.stringify(id.slice(0, 40))}`);
    return c.json({ revoked: await tokenRegistry(c.env).revoke(id) });
  });
