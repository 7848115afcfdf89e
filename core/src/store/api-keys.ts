import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Db } from './orders.ts';

/** What a key may do: a viewer reads; an operator also replays, resolves, resends and syncs; an admin manages keys. */
export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** Whether `role` may do what `needed` may. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** Who is acting, as the API, the console and the audit log know them. */
export interface Principal {
  /** 'key:<id>' for a key, 'cli:<os user>' for the CLI. */
  actor: string;
  /** The key's name or the user's, for people reading the audit log. */
  name: string;
  tenantId: string;
  role: Role;
}

export interface ApiKey {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  /** The first characters of the key, to tell keys apart. */
  prefix: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Keys look like `sy_` + 32 base64url characters (192 random bits). */
const KEY = /^sy_[A-Za-z0-9_-]{32}$/;
const PREFIX_LENGTH = 10;

function sha256(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Whether a string is shaped like a key (before any database work). */
export function looksLikeKey(secret: string): boolean {
  return KEY.test(secret);
}

/**
 * Creates a key for a tenant. The key itself is returned once, here; the store keeps its SHA-256 only, so a key
 * that is lost is revoked and replaced, never recovered.
 */
export async function createApiKey(
  sql: Db,
  input: { tenantId: string; role: Role; name?: string; createdBy: string },
): Promise<{ key: ApiKey; secret: string }> {
  if (!ROLES.includes(input.role)) {
    throw new HubError({
      type: 'invalid-role',
      title: 'Invalid role',
      status: 400,
      detail: `role "${input.role}" is not one of ${ROLES.join(', ')}`,
      fix: 'viewer reads; operator also replays, resolves, resends and syncs; admin also manages keys',
    });
  }
  const [tenant] = await sql`select 1 from tenants where id = ${input.tenantId}`;
  if (!tenant) {
    throw new HubError({
      type: 'tenant-not-found',
      title: 'No such tenant',
      status: 404,
      detail: `there is no tenant "${input.tenantId}"`,
      fix: 'name a tenant of switchyard.config.ts (the hub must have started once with it)',
    });
  }
  const secret = `sy_${randomBytes(24).toString('base64url')}`;
  const id = newId('key');
  const name = input.name?.trim() || `${input.role} key`;
  const [row] = await sql<KeyRow[]>`
    insert into api_keys (id, tenant_id, name, role, secret_sha256, prefix, created_by)
    values (${id}, ${input.tenantId}, ${name}, ${input.role}, ${sha256(secret)},
            ${secret.slice(0, PREFIX_LENGTH)}, ${input.createdBy})
    returning ${COLUMNS(sql)}`;
  return { key: toKey(row!), secret };
}

type KeyRow = Omit<ApiKey, 'createdAt' | 'lastUsedAt' | 'revokedAt'> & {
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

const COLUMNS = (sql: Db) => sql`
  id, tenant_id as "tenantId", name, role, prefix, created_by as "createdBy", created_at as "createdAt",
  last_used_at as "lastUsedAt", revoked_at as "revokedAt"`;

function toKey(r: KeyRow): ApiKey {
  return {
    ...r,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}

/** A tenant's keys, newest first, revoked ones included (they say when). Never the keys themselves. */
export async function listApiKeys(sql: Sql, tenantId: string): Promise<ApiKey[]> {
  const rows = await sql<KeyRow[]>`
    select ${COLUMNS(sql)} from api_keys where tenant_id = ${tenantId} order by created_at desc, id desc`;
  return rows.map(toKey);
}

/**
 * Revokes a key of the tenant: from now on it authenticates nothing. Revoking a revoked key changes nothing.
 * A key of another tenant is answered as one that does not exist.
 */
export async function revokeApiKey(sql: Db, tenantId: string, id: string): Promise<ApiKey> {
  const [row] = await sql<KeyRow[]>`
    update api_keys set revoked_at = coalesce(revoked_at, now())
    where tenant_id = ${tenantId} and id = ${id}
    returning ${COLUMNS(sql)}`;
  if (!row) {
    throw new HubError({
      type: 'key-not-found',
      title: 'No such key',
      status: 404,
      detail: `tenant ${tenantId} has no key ${id}`,
      fix: 'list the keys with: switchyard keys list',
    });
  }
  return toKey(row);
}

/** How often a key's last use is written: every use would turn each read into a write. */
const LAST_USED_EVERY_MS = 60_000;

/**
 * Who a key is, or undefined for a key that is unknown, revoked or not shaped like one. Looked up by its
 * SHA-256 (an index probe on a hash of 192 random bits tells a guesser nothing about the stored keys).
 */
export async function authenticateKey(sql: Sql, secret: string): Promise<Principal | undefined> {
  if (!looksLikeKey(secret)) return undefined;
  const [row] = await sql<
    { id: string; tenantId: string; name: string; role: Role; lastUsedAt: Date | null }[]
  >`
    select id, tenant_id as "tenantId", name, role, last_used_at as "lastUsedAt"
    from api_keys where secret_sha256 = ${sha256(secret)} and revoked_at is null`;
  if (!row) return undefined;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_EVERY_MS) {
    await sql`update api_keys set last_used_at = now() where id = ${row.id}`;
  }
  return { actor: `key:${row.id}`, name: row.name, tenantId: row.tenantId, role: row.role };
}
