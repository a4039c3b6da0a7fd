import type { MiddlewareHandler } from 'hono';
import { identify } from '../auth.js';
import type { AppEnv } from '../http.js';

/** Checks the bearer token (if any) once per request; routes then authorise with `c.var.credential`. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('credential', await identify(c.req.header('authorization'), c.env));
  await next();
};
