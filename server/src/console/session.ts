import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '@switchyard/core';

/** A signed-in operator: who the key said they are, and the token every form of theirs must carry back. */
export interface Session {
  id: string;
  principal: Principal;
  /** The CSRF token: sent in a hidden field and in htmx's `x-csrf-token` header, checked on every POST. */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  /** When the key was last seen unrevoked (a revoked key's sessions end at their next request after a check). */
  checkedAt: number;
  /** Messages for the next page shown (after a POST and its redirect). */
  flash: Flash[];
}

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export interface SessionLimits {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteMs: number;
  /** At most this many live sessions (the oldest go first): memory stays bounded whatever signs in. */
  max: number;
}

export const SESSION_LIMITS: SessionLimits = { idleMs: 2 * 3600_000, absoluteMs: 12 * 3600_000, max: 10_000 };

/**
 * Sessions held in this process's memory, keyed by a random id (256 bits) that is the cookie's only content:
 * the API key is read once at sign-in and never kept, in the cookie or here. A restart signs everyone out,
 * which is the price of keeping no key anywhere.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #limits: SessionLimits;
  readonly #now: () => number;

  constructor(limits: SessionLimits = SESSION_LIMITS, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  create(principal: Principal): Session {
    this.#sweep();
    while (this.#sessions.size >= this.#limits.max) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    const now = this.#now();
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      principal,
      csrf: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      checkedAt: now,
      flash: [],
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session of a cookie value, touched; undefined for an unknown or expired one. */
  get(id: string | undefined): Session | undefined {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const now = this.#now();
    if (now - session.lastSeenAt > this.#limits.idleMs || now - session.createdAt > this.#limits.absoluteMs) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  end(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ends every session of a key (it was revoked). */
  endActor(actor: string): void {
    for (const [id, s] of this.#sessions) if (s.principal.actor === actor) this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, s] of this.#sessions) {
      if (now - s.lastSeenAt > this.#limits.idleMs || now - s.createdAt > this.#limits.absoluteMs) {
        this.#sessions.delete(id);
      }
    }
  }
}

/** Compares two tokens in constant time (different lengths differ at once: the length is no secret). */
export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Failed sign-ins counted per source over a window: past the limit, a source is refused until the window
 * passes, so keys cannot be guessed through the form (at 192 bits they cannot anyway; this keeps the log quiet).
 */
export class SignInThrottle {
  readonly #failures = new Map<string, { count: number; since: number }>();
  constructor(
    readonly limit = 10,
    readonly windowMs = 5 * 60_000,
    readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before trying again, or 0 when this source may try. */
  retryAfter(source: string): number {
    const f = this.#failures.get(source);
    if (!f) return 0;
    const elapsed = this.now() - f.since;
    if (elapsed > this.windowMs) {
      this.#failures.delete(source);
      return 0;
    }
    return f.count >= this.limit ? Math.ceil((this.windowMs - elapsed) / 1000) : 0;
  }

  failed(source: string): void {
    const now = this.now();
    const f = this.#failures.get(source);
    if (!f || now - f.since > this.windowMs) this.#failures.set(source, { count: 1, since: now });
    else f.count++;
    if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value!);
  }

  succeeded(source: string): void {
    this.#failures.delete(source);
  }
}
