import { DurableObject } from 'cloudflare:workers';

/** One rate-limit decision, with what the RateLimit-* and Retry-After headers need. */
export interface RateLimitOutcome {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Milliseconds until the current window ends. */
  readonly resetMs: number;
}

/**
 * The request counter of one client (`idFromName(clientKey)`): a fixed window that opens at the
 * client's first request after the previous window ended. One Durable Object per client is the
 * single place that counts, however many isolates serve the client. The count lives in memory:
 * an object is only evicted after it has been idle for longer than a window, and losing a count
 * then only forgets requests the window no longer cares about.
 */
export class RateLimiter extends DurableObject<Env> {
  private windowStart = 0;
  private count = 0;

  /** Counts one request unless the client has used up `limit` in the current `windowMs`. */
  hit(limit: number, windowMs: number): RateLimitOutcome {
    const now = Date.now();
    if (now >= this.windowStart + windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    const resetMs = this.windowStart + windowMs - now;
    if (this.count >= limit) return { allowed: false, limit, remaining: 0, resetMs };
    this.count += 1;
    return { allowed: true, limit, remaining: limit - this.count, resetMs };
  }
}
