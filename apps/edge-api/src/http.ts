import type { Context } from 'hono';
import type { Credential } from './auth.js';
import { ApiError } from './errors.js';

/** Per-request facts the handlers add to the request's one log line. */
export interface LogFields {
  task?: string;
  version?: number | string;
  rows?: number;
  tasks?: number;
  cache?: string;
  code?: string;
  /** Batched model passes the request ran (one per hosted model for a classification batch). */
  forwards?: number;
  /** `in-isolate` or `remote` (see MODEL_RUNNER). */
  runner?: string;
  /** Whom the rate limit counted: `token:<id>`, `token:admin`, or `ip` (addresses are not logged). */
  client?: string;
}

/** `credential`: what the request's bearer token proved (set by the authenticate middleware on /v1). */
export type AppEnv = { Bindings: Env; Variables: { log: LogFields; credential: Credential } };
export type AppContext = Context<AppEnv>;

/** Refuses a body whose Content-Type is not `type` (415). */
export function requireContentType(c: AppContext, type: string): void {
  const given = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (given !== type) throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${type}, got ${given ? JSON.stringify(given) : 'none'}`);
}

/** The JSON body as `unknown` (415 unless application/json, 400 when it does not parse). */
export async function readJson(c: AppContext): Promise<unknown> {
  requireContentType(c, 'application/json');
  try {
    return JSON.parse(await c.req.text());
  } catch {
    throw new ApiError(400, 'MALFORMED_JSON', 'the request body is not valid JSON');
  }
}

/** A positive integer from JSON or a path segment, else 400 naming `what`. */
export function versionNumber(raw: unknown, what: string): number {
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ApiError(400, 'BAD_REQUEST', `${what} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A JSON object body, else 400. */
export function asObject(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'BAD_REQUEST', `${what} must be a JSON object`);
  return body as Record<string, unknown>;
}
