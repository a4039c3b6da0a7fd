import { ApiError } from './errors.js';

const encoder = new TextEncoder();

/**
 * Constant-time comparison of two secrets: both are hashed first so that neither the length nor
 * the content of the expected token leaks through timing.
 */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([given, expected].map((s) => crypto.subtle.digest('SHA-256', encoder.encode(s))));
  return crypto.subtle.timingSafeEqual(a!, b!);
}

/** Throws 401 without a bearer token, 403 with a wrong one (or when the server has no ADMIN_TOKEN). */
export async function requireAdmin(authorization: string | undefined, adminToken: string | undefined): Promise<void> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new ApiError(401, 'UNAUTHORIZED', 'this endpoint needs "Authorization: Bearer <token>"');
  if (!adminToken || !(await sameSecret(match[1]!, adminToken))) throw new ApiError(403, 'FORBIDDEN', 'the bearer token is not valid for this registry');
}
