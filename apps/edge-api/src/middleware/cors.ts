import { cors } from 'hono/cors';
import type { AppEnv } from '../http.js';

/** `CORS_ORIGINS`: comma-separated origins (e.g. the web app's), or `*` for any. */
function allowedOrigins(raw: string | undefined): readonly string[] {
  return (raw ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);
}

/**
 * CORS for the origins in CORS_ORIGINS. Other origins get no Access-Control-Allow-Origin, so
 * browsers refuse them. Bearer tokens travel in a header, never cookies: no credentials mode.
 */
export const corsForConfiguredOrigins = cors({
  origin: (origin, c) => {
    const allowed = allowedOrigins((c.env as AppEnv['Bindings']).CORS_ORIGINS);
    if (allowed.includes('*')) return '*';
    return allowed.includes(origin) ? origin : null;
  },
  allowMethods: ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'],
  allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'If-Match', 'If-None-Match'],
  exposeHeaders: ['ETag', 'Content-Disposition', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
  maxAge: 600,
});
