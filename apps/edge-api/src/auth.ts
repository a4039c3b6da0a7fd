import { ApiError } from './errors.js';
import { publishTokenId, tokenRegistry } from './registry/tokens.js';

const encoder = new TextEncoder();

/** Who a valid bearer token belongs to: the admin (ADMIN_TOKEN) or a publish token scoped to a task-name prefix. */
export type Principal = { readonly kind: 'admin'; readonly id: 'admin' } | { readonly kind: 'publisher'; readonly id: string; readonly prefix: string };

/** What a request's `Authorization` header proved: nothing (no bearer token), a bad token, or a principal. */
export type Credential = { readonly state: 'none' } | { readonly state: 'invalid' } | { readonly state: 'valid'; readonly principal: Principal };

/**
 * Constant-time comparison of two secrets: both are hashed first so that neither the length nor
 * the content of the expected token leaks through timing.
 */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([given, expected].map((s) => crypto.subtle.digest('SHA-256', encoder.encode(s))));
  return crypto.subtle.timingSafeEqual(a!, b!);
}

/**
 * Checks the bearer token once per request. Publish tokens are looked up in the token Durable
 * Object on every request (no cache), so a revocation takes effect immediately.
 */
export async function identify(authorization: string | undefined, env: Pick<Env, 'ADMIN_TOKEN' | 'TOKENS'>): Promise<Credential> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return { state: 'none' };
  const token = match[1]!;
  if (env.ADMIN_TOKEN && (await sameSecret(token, env.ADMIN_TOKEN))) return { state: 'valid', principal: { kind: 'admin', id: 'admin' } };
  const record = publishTokenId(token) ? await tokenRegistry(env).verify(token) : null;
  return record ? { state: 'valid', principal: { kind: 'publisher', id: record.id, prefix: record.prefix } } : { state: 'invalid' };
}

function requirePrincipal(credential: Credential): Principal {
  if (credential.state === 'none') throw new ApiError(401, 'UNAUTHORIZED', 'this endpoint needs "Authorization: Bearer <token>"');
  if (credential.state === 'invalid') throw new ApiError(403, 'FORBIDDEN', 'the bearer token is not valid for this registry (unknown, revoked or wrong)');
  return credential.principal;
}

/** Throws 401 without a bearer token, 403 unless it is the admin token. */
export function requireAdmin(credential: Credential): void {
  const principal = requirePrincipal(credential);
  if (principal.kind !== 'admin') throw new ApiError(403, 'FORBIDDEN', `publish token ${principal.id} cannot manage tokens; this endpoint needs the admin token`);
}

/** Throws 401 without a bearer token, 403 unless it is the admin token or a publish token whose prefix starts `task`. */
export function requireTaskWriter(credential: Credential, task: string): Principal {
  const principal = requirePrincipal(credential);
  if (principal.kind === 'publisher' && !task.startsWith(principal.prefix)) {
    throw new ApiError(403, 'FORBIDDEN', `publish token ${principal.id} may only write tasks whose name starts with "${principal.prefix}", not "${task}"`);
  }
  return principal;
}
