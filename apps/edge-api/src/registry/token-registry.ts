import { DurableObject } from 'cloudflare:workers';
import type { PublishTokenRecord, RegistryResult } from './types.js';

/** What is stored per token: its record and the SHA-256 (hex) of the whole token, never the token. */
export interface StoredToken extends PublishTokenRecord {
  readonly hash: string;
}

const TOKEN_KEY_PREFIX = 'token:';
const encoder = new TextEncoder();
const missingToken = (id: string) => ({ ok: false, status: 404, code: 'TOKEN_NOT_FOUND', message: `no publish token with id "${id}"` }) as const;
const publicView = ({ id, prefix, label, createdAt }: StoredToken): PublishTokenRecord => ({ id, prefix, label, createdAt });

/**
 * The registry's publish tokens: one instance (`idFromName('publish-tokens')`), strongly
 * consistent, so a revocation takes effect on the very next request everywhere.
 */
export class TokenRegistry extends DurableObject<Env> {
  /** Stores a new token; refuses an id already in use (ids are 64 random bits, so this means a bug). */
  async create(token: StoredToken): Promise<RegistryResult<PublishTokenRecord>> {
    const key = TOKEN_KEY_PREFIX + token.id;
    if (await this.ctx.storage.get(key)) return { ok: false, status: 409, code: 'CONFLICT', message: `token id "${token.id}" is taken` };
    await this.ctx.storage.put(key, token);
    return { ok: true, value: publicView(token) };
  }

  async list(): Promise<PublishTokenRecord[]> {
    const stored = await this.ctx.storage.list<StoredToken>({ prefix: TOKEN_KEY_PREFIX });
    return [...stored.values()].map(publicView).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async revoke(id: string): Promise<RegistryResult<PublishTokenRecord>> {
    const key = TOKEN_KEY_PREFIX + id;
    const token = await this.ctx.storage.get<StoredToken>(key);
    if (!token) return missingToken(id);
    await this.ctx.storage.delete(key);
    return { ok: true, value: publicView(token) };
  }

  /** The token's record when `hash` is its stored hash (compared in constant time), else null. */
  async verify(id: string, hash: string): Promise<PublishTokenRecord | null> {
    const token = await this.ctx.storage.get<StoredToken>(TOKEN_KEY_PREFIX + id);
    if (!token) return null;
    const [given, stored] = [encoder.encode(hash), encoder.encode(token.hash)];
    return given.byteLength === stored.byteLength && crypto.subtle.timingSafeEqual(given, stored) ? publicView(token) : null;
  }
}
