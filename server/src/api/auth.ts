import { authenticateKey, looksLikeKey, type Principal, type Sql } from '@switchyard/core';
import type { Context, MiddlewareHandler } from 'hono';
import { problem } from '../http/problem.ts';
import type { Logger } from '../log.ts';

/** Failed attempts a source may make in a window before it is refused without a look at what it sends. */
const FAILURES_ALLOWED = 10;
const WINDOW_MS = 60_000;
/** Sources remembered at once: beyond it the oldest are forgotten (a flood of sources cannot fill memory). */
const SOURCES_KEPT = 10_000;

/**
 * Counts failed authentications per source (the peer's address) in a fixed window: past FAILURES_ALLOWED the
 * source is answered 429 with Retry-After until its window ends, before any key is looked up.
 */
export class FailedAuthLimiter {
  private readonly failures = new Map<string, { count: number; until: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds to wait, when the source is over its allowance; 0 when it may try. */
  blockedFor(source: string): number {
    const entry = this.failures.get(source);
    if (!entry) return 0;
    const left = entry.until - this.now();
    if (left <= 0) {
      this.failures.delete(source);
      return 0;
    }
    return entry.count >= FAILURES_ALLOWED ? Math.ceil(left / 1000) : 0;
  }

  failed(source: string): void {
    const now = this.now();
    const entry = this.failures.get(source);
    if (entry && entry.until > now) {
      entry.count++;
      return;
    }
    if (this.failures.size >= SOURCES_KEPT) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(source, { count: 1, until: now + WINDOW_MS });
  }
}

/** The peer's address, as the Node server saw it (not a header a client could set). */
export function sourceOf(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

/** The key of an `Authorization: Bearer <key>` header, or undefined. */
export function bearerOf(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

export type ApiEnv = { Variables: { principal: Principal; requestId: string } };

/**
 * Requires a valid API key: sets the principal (its tenant scopes everything after). A missing, unknown or
 * revoked key is 401; a source that failed too often is 429. Failures are logged with the source and the
 * reason, never with the key.
 */
export function requireKey(sql: Sql, log: Logger, limiter: FailedAuthLimiter): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const source = sourceOf(c);
    const key = bearerOf(c.req.header('authorization'));
    // A source over its allowance gets no database lookup for what is not even shaped like a key; a real key
    // is honoured whatever its source did (behind a proxy every client shares its address, and one client's
    // junk must not lock the others out). Guessing a key of 192 random bits is hopeless either way.
    const wait = limiter.blockedFor(source);
    const principal = key && (!wait || looksLikeKey(key)) ? await authenticateKey(sql, key) : undefined;
    if (!principal) {
      limiter.failed(source);
      log.warn('api authentication failed', {
        source,
        reason: key ? 'unknown or revoked key' : 'no bearer key',
        method: c.req.method,
        path: c.req.path,
      });
      const after = limiter.blockedFor(source);
      if (after) {
        return problem(
          {
            type: 'too-many-failed-authentications',
            title: 'Too many failed authentications',
            status: 429,
            detail: `${FAILURES_ALLOWED} failed authentications from this address within a minute`,
            fix: `wait ${after} s, then send a valid key`,
          },
          { 'retry-after': String(after) },
        );
      }
      return problem(
        {
          type: 'unauthorized',
          title: 'Unauthorized',
          status: 401,
          detail: key ? 'the key is unknown or revoked' : 'no API key: send Authorization: Bearer <key>',
          fix: 'create a key with: npx switchyard keys create --tenant <id> --role viewer|operator|admin',
        },
        { 'www-authenticate': 'Bearer realm="switchyard"' },
      );
    }
    c.set('principal', principal);
    await next();
  };
}
