import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';
import type { Principal } from './api-keys.ts';
import type { Db } from './orders.ts';

/** One operator action: who, when, what, to which object, the state before and after. */
export interface AuditEntry {
  id: string;
  actor: string;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
  at: string;
}

export interface NewAuditEntry {
  /** e.g. 'exception.replay', 'exception.edit', 'key.create', 'job.create'. */
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
  requestId?: string | undefined;
}

/**
 * Appends an operator action to the audit log, in the caller's transaction when it has one, so the action and
 * its record commit together. Only the principal's tenant is written: an action is always one tenant's.
 */
export async function recordAudit(tx: Db, by: Principal, entry: NewAuditEntry): Promise<void> {
  await tx`
    insert into audit_log (tenant_id, actor, actor_name, action, target_type, target_id, before, after, request_id)
    values (${by.tenantId}, ${by.actor}, ${by.name}, ${entry.action}, ${entry.targetType}, ${entry.targetId},
            ${entry.before === undefined ? null : tx.json(entry.before as never)},
            ${entry.after === undefined ? null : tx.json(entry.after as never)},
            ${entry.requestId ?? null})`;
}

export interface AuditPage {
  items: AuditEntry[];
  next: string | null;
}

/** A tenant's audit log, newest first, a page at a time (keyset on the entry's id), optionally for one object. */
export async function listAudit(
  sql: Sql,
  tenantId: string,
  options: {
    targetType?: string;
    targetId?: string;
    action?: string;
    cursor?: string | null;
    limit?: number;
  } = {},
): Promise<AuditPage> {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new HubError({
      type: 'invalid-limit',
      title: 'Invalid audit log request',
      status: 400,
      detail: `limit ${limit} is not a whole number from 1 to 500`,
    });
  }
  const before = options.cursor ? Number(options.cursor) : undefined;
  if (options.cursor && (!/^\d{1,18}$/.test(options.cursor) || !before)) {
    throw new HubError({
      type: 'invalid-cursor',
      title: 'Invalid cursor',
      status: 400,
      detail: `cursor "${options.cursor.slice(0, 40)}" is not one the audit log gave out`,
      fix: 'pass the next cursor of the previous page as it was given, or none to start from the newest',
    });
  }
  const rows = await sql<(Omit<AuditEntry, 'at'> & { at: Date })[]>`
    select id::text, actor, actor_name as "actorName", action, target_type as "targetType",
           target_id as "targetId", before, after, request_id as "requestId", at
    from audit_log
    where tenant_id = ${tenantId}
      ${options.targetType ? sql`and target_type = ${options.targetType}` : sql``}
      ${options.targetId ? sql`and target_id = ${options.targetId}` : sql``}
      ${options.action ? sql`and action = ${options.action}` : sql``}
      ${before ? sql`and id < ${before}` : sql``}
    -- The column, not the text alias of the same name above (which would sort 9 before 10).
    order by audit_log.id desc
    limit ${limit + 1}`;
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({ ...r, at: r.at.toISOString() })),
    next: rows.length > limit ? page.at(-1)!.id : null,
  };
}
