import { ApiError } from '../errors.js';
import type { StoredToken } from './token-registry.js';
import type { PublishTokenRecord, RegistryResult } from './types.js';

/**
 * Publish tokens look like `ptk_<id>_<secret>`: the id (64 random bits, hex) names the token in
 * lists, logs and rate limits; the secret (256 random bits, base64url) is what proves possession.
 * Only the SHA-256 of the whole token is stored.
 */
const TOKEN_FORMAT = /^ptk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const TOKEN_ID_FORMAT = /^[0-9a-f]{16}$/;
/** A prefix is the start of a task name, so it follows the task-name rules. */
const PREFIX_FORMAT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_LABEL_LENGTH = 100;
const TOKEN_REGISTRY_NAME = 'publish-tokens';

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));

export async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

/** The token's id when `token` has the publish-token shape, else null. */
export function publishTokenId(token: string): string | null {
  return TOKEN_FORMAT.exec(token)?.[1] ?? null;
}

export function checkTokenPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || !PREFIX_FORMAT.test(prefix)) {
    throw new ApiError(400, 'INVALID_TOKEN_PREFIX', `prefix must be the start of a task name (${PREFIX_FORMAT.source}), got ${JSON.stringify(prefix)?.slice(0, 80)}`);
  }
  return prefix;
}

export function checkTokenLabel(label: unknown): string | null {
  if (label === undefined || label === null) return null;
  if (typeof label !== 'string' || label.length > MAX_LABEL_LENGTH) throw new ApiError(400, 'BAD_REQUEST', `label must be a string of at most ${MAX_LABEL_LENGTH} characters`);
  return label;
}

function unwrap<T>(result: RegistryResult<T>): T {
  if (!result.ok) throw new ApiError(result.status, result.code, result.message);
  return result.value;
}

/** The registry's token store (one strongly consistent Durable Object), its answers unwrapped. */
export function tokenRegistry(env: Pick<Env, 'TOKENS'>) {
  const stub = env.TOKENS.get(env.TOKENS.idFromName(TOKEN_REGISTRY_NAME));
  return {
    /** Mints a token for `prefix`; the returned `token` is the only copy of the secret. */
    create: async (prefix: string, label: string | null): Promise<PublishTokenRecord & { token: string }> => {
      const id = hex(randomBytes(8));
      const token = `ptk_${id}_${base64url(randomBytes(32))}`;
      const stored: StoredToken = { id, prefix, label, createdAt: new Date().toISOString(), hash: await sha256Hex(token) };
      return { ...unwrap((await stub.create(stored)) as RegistryResult<PublishTokenRecord>), token };
    },
    list: async () => (await stub.list()) as PublishTokenRecord[],
    revoke: async (id: string) => unwrap((await stub.revoke(id)) as RegistryResult<PublishTokenRecord>),
    /** The record of a presented token, or null when it is unknown, revoked or wrong. */
    verify: async (token: string): Promise<PublishTokenRecord | null> => {
      const id = publishTokenId(token);
      return id ? ((await stub.verify(id, await sha256Hex(token))) as PublishTokenRecord | null) : null;
    },
  };
}
