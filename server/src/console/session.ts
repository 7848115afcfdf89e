import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal, Role, Sql } from '@switchyard/core';

/** A signed-in operator: who the key said they are, and the token every form of theirs must carry back. */
export interface Session {
  /** The cookie's value (random, 256 bits). Only its SHA-256 is stored. */
  id: string;
  principal: Principal;
  /** The CSRF token: sent in a hidden field and in htmx's `x-csrf-token` header, checked on every POST. */
  csrf: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Messages for the next page shown (after a POST and its redirect); saved with `store.save`. */
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
}

export const SESSION_LIMITS: SessionLimits = { idleMs: 2 * 3600_000, absoluteMs: 12 * 3600_000 };

/** last_seen_at (and with it the idle expiry) is written at most this often: a page's requests read only. */
const TOUCH_EVERY_MS = 60_000;
/** Ended sessions are deleted at most this often per process (and at each sign-in). */
const SWEEP_EVERY_MS = 10 * 60_000;
const FLASH_MAX = 10;

interface Row {
  tenantId: string;
  keyId: string;
  name: string;
  role: Role;
  csrf: string;
  flash: Flash[];
  createdAt: Date;
  lastSeenAt: Date;
  stale: boolean;
}

/**
 * Sessions in PostgreSQL (console_sessions, migration 0018), so that every hub process over the same database
 * knows them and a restart signs nobody out. The cookie holds a random id; the table holds its SHA-256, never the
 * id, and never the API key (read once at sign-in). One indexed query per request finds the session and joins its
 * key: a revoked key's sessions are refused at their next request. A session ends at expires_at, the sooner of
 * sign-in + absoluteMs and last use + idleMs; last use is written at most once a minute.
 */
export class SessionStore {
  readonly #sql: Sql;
  readonly #limits: SessionLimits;
  #sweptAt = 0;

  constructor(sql: Sql, limits: SessionLimits = SESSION_LIMITS) {
    this.#sql = sql;
    this.#limits = limits;
  }

  async create(principal: Principal): Promise<Session> {
    await this.sweep(true);
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    const [row] = await this.#sql<{ createdAt: Date }[]>`
      insert into console_sessions (id_sha256, key_id, tenant_id, csrf, expires_at)
      values (${hashOf(id)}, ${keyIdOf(principal)}, ${principal.tenantId}, ${csrf},
              now() + ${this.#interval(Math.min(this.#limits.idleMs, this.#limits.absoluteMs))}::interval)
      returning created_at as "createdAt"`;
    return { id, principal, csrf, createdAt: row!.createdAt, lastSeenAt: row!.createdAt, flash: [] };
  }

  /** The live session of a cookie value (its key unrevoked), touched; undefined for an unknown or ended one. */
  async get(id: string | undefined): Promise<Session | undefined> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const hash = hashOf(id);
    const [row] = await this.#sql<Row[]>`
      select s.tenant_id as "tenantId", s.key_id as "keyId", k.name, k.role, s.csrf, s.flash,
             s.created_at as "createdAt", s.last_seen_at as "lastSeenAt",
             s.last_seen_at < now() - ${this.#interval(TOUCH_EVERY_MS)}::interval as stale
      from console_sessions s join api_keys k on k.id = s.key_id
      where s.id_sha256 = ${hash} and s.expires_at > now() and k.revoked_at is null`;
    if (!row) return undefined;
    if (row.stale) {
      await this.#sql`
        update console_sessions
        set last_seen_at = now(),
            expires_at = least(created_at + ${this.#interval(this.#limits.absoluteMs)}::interval,
                               now() + ${this.#interval(this.#limits.idleMs)}::interval)
        where id_sha256 = ${hash}`;
    }
    void this.sweep();
    return {
      id,
      principal: { actor: `key:${row.keyId}`, name: row.name, tenantId: row.tenantId, role: row.role },
      csrf: row.csrf,
      createdAt: row.createdAt,
      lastSeenAt: row.lastSeenAt,
      flash: Array.isArray(row.flash) ? row.flash : [],
    };
  }

  /** Whether the session still holds (unexpired, key unrevoked), without touching it: for long streams. */
  async alive(id: string): Promise<boolean> {
    const rows = await this.#sql`
      select 1 from console_sessions s join api_keys k on k.id = s.key_id
      where s.id_sha256 = ${hashOf(id)} and s.expires_at > now() and k.revoked_at is null`;
    return rows.length > 0;
  }

  /** Keeps the session's messages for the next page (another process may show it). */
  async save(session: Session): Promise<void> {
    const flash = session.flash.slice(-FLASH_MAX).map((f) => ({ kind: f.kind, text: f.text.slice(0, 2000) }));
    await this.#sql`
      update console_sessions set flash = ${this.#sql.json(flash)} where id_sha256 = ${hashOf(session.id)}`;
  }

  async end(id: string): Promise<void> {
    await this.#sql`delete from console_sessions where id_sha256 = ${hashOf(id)}`;
  }

  /** Deletes ended sessions, at most every ten minutes unless `now`; never fails the request that called it. */
  async sweep(now = false): Promise<void> {
    if (!now && Date.now() - this.#sweptAt < SWEEP_EVERY_MS) return;
    this.#sweptAt = Date.now();
    try {
      await this.#sql`delete from console_sessions where expires_at <= now()`;
    } catch {
      // The next sweep tries again; an ended session is refused by its expiry whether or not it was deleted.
    }
  }

  #interval(ms: number): string {
    return `${Math.max(0, Math.round(ms))} milliseconds`;
  }
}

function hashOf(id: string): Buffer {
  return createHash('sha256').update(id).digest();
}

function keyIdOf(principal: Principal): string {
  if (!principal.actor.startsWith('key:'))
    throw new Error(`a console session needs an API key, not ${principal.actor}`);
  return principal.actor.slice('key:'.length);
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
 * Counted in this process's memory, as the API's limit is: with several workers a source gets the limit on each.
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
