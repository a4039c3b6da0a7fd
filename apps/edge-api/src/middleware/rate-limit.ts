import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';
import type { AppContext, AppEnv } from '../http.js';
import type { RateLimitOutcome } from './rate-limiter.js';

const WINDOW_MS = 60_000;

/** `RATE_LIMIT_PER_MINUTE` as a count; 0 turns the limit off (local load tests). */
export function requestsPerMinute(raw: string | undefined): number {
  const value = Number(raw ?? '0');
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`RATE_LIMIT_PER_MINUTE must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return value;
}

/**
 * Whom a request counts against: the bearer token's owner when the token is valid (so a publisher
 * keeps its budget whatever address it calls from), else the client address Cloudflare sets.
 * An invalid token counts against the address: made-up tokens do not buy fresh budgets.
 */
function clientKey(c: AppContext): string {
  const credential = c.var.credential;
  if (credential?.state === 'valid') return `token:${credential.principal.id}`;
  return `ip:${c.req.header('cf-connecting-ip') ?? 'unknown'}`;
}

/**
 * A per-client limit of RATE_LIMIT_PER_MINUTE requests per minute, counted by a Durable Object
 * per client (isolate-local counters would multiply the limit by the number of isolates).
 * Over the limit: 429 RATE_LIMITED with Retry-After. Every counted answer carries RateLimit-*.
 */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const limit = requestsPerMinute(c.env.RATE_LIMIT_PER_MINUTE);
  if (limit === 0) return next();
  const key = clientKey(c);
  c.var.log.client = key.startsWith('ip:') ? 'ip' : key;
  const counter = c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(key));
  const outcome = (await counter.hit(limit, WINDOW_MS)) as RateLimitOutcome;
  const resetSeconds = String(Math.max(1, Math.ceil(outcome.resetMs / 1000)));
  const headers = { 'RateLimit-Limit': String(outcome.limit), 'RateLimit-Remaining': String(outcome.remaining), 'RateLimit-Reset': resetSeconds };
  if (!outcome.allowed) {
    throw new ApiError(429, 'RATE_LIMITED', `more than ${limit} requests in a minute from this client; retry in ${resetSeconds} s`, { ...headers, 'Retry-After': resetSeconds });
  }
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  await next();
};
