import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Db } from './orders.ts';

export interface HubException {
  id: string;
  tenantId: string;
  connectionId: string | null;
  /** What failed: 'normalize' (the payload could not be mapped) or 'order' (the mapped order was refused). */
  kind: string;
  inboxId: string | null;
  message: string;
  detail: Record<string, unknown>;
  status: 'open' | 'resolved' | 'ignored';
  /** Why an operator resolved or ignored it (null when a replay or a corrected resend resolved it). */
  resolution: string | null;
  /** Who resolved or ignored it by hand ('key:<id>', 'cli:<user>'). */
  resolvedBy: string | null;
  replayCount: number;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}

type Row = Omit<HubException, 'createdAt' | 'updatedAt' | 'resolvedAt'> & {
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
};

const COLUMNS = (sql: Db) => sql`
  id, tenant_id as "tenantId", connection_id as "connectionId", kind, inbox_id as "inboxId", message, detail,
  status, resolution, resolved_by as "resolvedBy", replay_count as "replayCount", created_at as "createdAt", updated_at as "updatedAt",
  resolved_at as "resolvedAt"`;

const SELECT = (sql: Db) => sql`select ${COLUMNS(sql)} from exceptions`;

function toException(r: Row): HubException {
  return {
    ...r,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
  };
}

/** Text PostgreSQL can store: a NUL (which text and jsonb refuse) is written as the escape \\0. */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\\0') : text;
}

/** The same for a JSON detail object. */
export function storableDetail(detail: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify(detail);
  return json.includes('\\u0000')
    ? (JSON.parse(json.replaceAll('\\u0000', '\\\\0')) as Record<string, unknown>)
    : detail;
}

export interface NewException {
  tenantId: string;
  connectionId: string | null;
  kind: string;
  inboxId: string | null;
  message: string;
  detail?: Record<string, unknown>;
}

/** Records a failure, or refreshes the open one for the same input (a replay that failed again). */
export async function recordException(tx: Db, e: NewException): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    insert into exceptions (id, tenant_id, connection_id, kind, inbox_id, message, detail)
    values (${newId('exc')}, ${e.tenantId}, ${e.connectionId}, ${e.kind}, ${e.inboxId}, ${storableText(e.message)},
            ${tx.json(storableDetail(e.detail ?? {}) as never)})
    on conflict (inbox_id) where status = 'open'
    do update set kind = excluded.kind, message = excluded.message, detail = excluded.detail, updated_at = now()
    returning id`;
  return row!.id;
}

/** Which exceptions a list shows; every filter narrows it. */
export interface ExceptionFilter {
  /** 'open' when absent. */
  status?: 'open' | 'resolved' | 'ignored' | 'all';
  connectionId?: string;
  kind?: string;
  /** Only those recorded at or after this time. */
  since?: Date;
  /** Only those recorded before this time (older than an age). */
  before?: Date;
}

export interface ExceptionPage {
  /** Newest first (created_at desc, id desc). */
  items: HubException[];
  /** Pass back as `cursor` for the page after this one; null on the last page. */
  next: string | null;
  /** How many exceptions match the filter after this page. */
  remaining: number;
}

export const EXCEPTIONS_PAGE_DEFAULT = 100;
export const EXCEPTIONS_PAGE_MAX = 1000;

/**
 * One tenant's exceptions, newest first, a page at a time (keyset: the cursor is the last row's created_at and
 * id, so rows recorded meanwhile neither shift nor repeat a page). The CLI and the REST API both list through
 * it. A limit outside 1..1000 or a cursor this function did not give out is a HubError (400).
 */
export async function listExceptions(
  sql: Sql,
  tenantId: string,
  options: ExceptionFilter & { cursor?: string | null; limit?: number } = {},
): Promise<ExceptionPage> {
  const status = options.status ?? 'open';
  const limit = options.limit ?? EXCEPTIONS_PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > EXCEPTIONS_PAGE_MAX) {
    throw listError('invalid-limit', `limit ${limit} is not a whole number from 1 to ${EXCEPTIONS_PAGE_MAX}`);
  }
  if (options.since && Number.isNaN(options.since.getTime())) {
    throw listError('invalid-since', 'since is not a valid time');
  }
  if (options.before && Number.isNaN(options.before.getTime())) {
    throw listError('invalid-before', 'before is not a valid time');
  }
  const after = options.cursor ? decodeExceptionCursor(options.cursor) : null;
  if (options.cursor && !after) {
    throw new HubError({
      type: 'invalid-cursor',
      title: 'Invalid cursor',
      status: 400,
      detail: `cursor "${clip(options.cursor)}" is not one an exceptions list gave out`,
      fix: 'pass the next cursor of the previous page as it was given, or none to start from the newest',
    });
  }
  // A function, not one fragment: the page and its count each need their own copy of the parameters.
  const matching = () => sql`
    tenant_id = ${tenantId}
    ${status === 'all' ? sql`` : sql`and status = ${status}`}
    ${options.connectionId ? sql`and connection_id = ${options.connectionId}` : sql``}
    ${options.kind ? sql`and kind = ${options.kind}` : sql``}
    ${options.since ? sql`and created_at >= ${options.since}` : sql``}
    ${options.before ? sql`and created_at < ${options.before}` : sql``}
    ${after ? sql`and (created_at, id) < (${after.createdAt}::text::timestamptz, ${after.id})` : sql``}`;
  // One statement, so the count and the page see the same rows; the count runs once (an InitPlan).
  const rows = await sql<(Row & { cursorAt: string; matching: number })[]>`
    select ${COLUMNS(sql)},
           to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt",
           (select count(*)::int from exceptions where ${matching()}) as matching
    from exceptions
    where ${matching()}
    order by created_at desc, id desc
    limit ${limit}`;
  const last = rows.at(-1);
  const remaining = last ? last.matching - rows.length : 0;
  return {
    items: rows.map(({ cursorAt: _cursor, matching: _matching, ...r }) => toException(r)),
    // The cursor keeps created_at to the microsecond (JS dates stop at the millisecond) and goes back as
    // text: postgres.js would pass a timestamptz parameter through a Date and lose the microseconds.
    next: remaining > 0 && last ? encodeExceptionCursor(last.cursorAt, last.id) : null,
    remaining,
  };
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function encodeExceptionCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** The (created_at, id) pair of a cursor, or null when it is not exactly one encodeExceptionCursor made. */
function decodeExceptionCursor(cursor: string): { createdAt: string; id: string } | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return null;
  let pair: unknown;
  try {
    pair = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(pair) || pair.length !== 2) return null;
  const [createdAt, id] = pair as unknown[];
  if (typeof createdAt !== 'string' || !CURSOR_TIME.test(createdAt)) return null;
  // A real instant (no 30 February): the millisecond part survives a trip through Date unchanged.
  const ms = createdAt.slice(0, 23);
  const date = new Date(`${ms}Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 23) !== ms) return null;
  if (typeof id !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(id)) return null;
  // Base64 has several spellings of the same bytes: only the one we give out is a cursor.
  return encodeExceptionCursor(createdAt, id) === cursor ? { createdAt, id } : null;
}

function listError(type: string, detail: string): HubError {
  return new HubError({ type, title: 'Invalid exceptions list request', status: 400, detail });
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export async function getException(
  sql: Db,
  tenantId: string,
  id: string,
  lock = false,
): Promise<HubException | undefined> {
  const [row] = await sql<
    Row[]
  >`${SELECT(sql)} where tenant_id = ${tenantId} and id = ${id} ${lock ? sql`for update` : sql``}`;
  return row ? toException(row) : undefined;
}

export async function markReplayed(
  tx: Db,
  id: string,
  outcome: { resolved: boolean; message?: string; detail?: Record<string, unknown> },
): Promise<void> {
  if (outcome.resolved) {
    await tx`update exceptions set status = 'resolved', replay_count = replay_count + 1, resolved_at = now(), updated_at = now() where id = ${id} and status = 'open'`;
  } else {
    await tx`
      update exceptions set replay_count = replay_count + 1, updated_at = now(),
        message = coalesce(${outcome.message ?? null}, message),
        detail = coalesce(${outcome.detail ? tx.json(outcome.detail as never) : null}, detail)
      where id = ${id} and status = 'open'`;
  }
}

/**
 * Resolves the open exceptions of deliveries that a corrected resend supersedes: the newest delivery carries the
 * order from now on (imported, or its own exception to replay), so the older ones are no longer work to do.
 */
export async function supersedeExceptions(tx: Db, inboxIds: string[], by: string): Promise<void> {
  if (!inboxIds.length) return;
  await tx`
    update exceptions set status = 'resolved', resolved_at = now(), updated_at = now(),
      detail = detail || ${tx.json({ supersededBy: { inboxId: by } } as never)}
    where inbox_id in ${tx(inboxIds)} and status = 'open'`;
}

/** Open exceptions counted by reason (kind) and by connection, for the inbox's summary. */
export interface ExceptionCounts {
  open: number;
  byKind: { kind: string; count: number }[];
  byConnection: { connectionId: string | null; count: number }[];
  /** When the oldest open exception was recorded (null when none is open). */
  oldestOpenAt: string | null;
}

export async function countExceptions(
  sql: Sql,
  tenantId: string,
  filter: Pick<ExceptionFilter, 'connectionId' | 'kind'> = {},
): Promise<ExceptionCounts> {
  // Counted from the partial index alone (exceptions_open_counts: tenant, kind, connection; open only), and the
  // oldest by one backward step of the keyset index: neither reads the table.
  const where = () => sql`
    tenant_id = ${tenantId} and status = 'open'
    ${filter.connectionId ? sql`and connection_id = ${filter.connectionId}` : sql``}
    ${filter.kind ? sql`and kind = ${filter.kind}` : sql``}`;
  const [rows, [oldestRow]] = await Promise.all([
    sql<{ kind: string; connectionId: string | null; count: number }[]>`
      select kind, connection_id as "connectionId", count(*)::int as count
      from exceptions where ${where()}
      group by kind, connection_id`,
    sql<{ createdAt: Date }[]>`
      select created_at as "createdAt" from exceptions where ${where()}
      order by created_at, id limit 1`,
  ]);
  const byKind = new Map<string, number>();
  const byConnection = new Map<string | null, number>();
  for (const r of rows) {
    byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + r.count);
    byConnection.set(r.connectionId, (byConnection.get(r.connectionId) ?? 0) + r.count);
  }
  const oldest = oldestRow?.createdAt ?? null;
  const sorted = <K>(m: Map<K, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    open: rows.reduce((n, r) => n + r.count, 0),
    byKind: sorted(byKind).map(([kind, count]) => ({ kind, count })),
    byConnection: sorted(byConnection).map(([connectionId, count]) => ({ connectionId, count })),
    oldestOpenAt: oldest?.toISOString() ?? null,
  };
}

/**
 * An operator closes an open exception by hand: 'resolved' (the cause was dealt with elsewhere) or 'ignored'
 * (nothing will be done), with the reason. Answers the exception before and after, for the audit log. An
 * exception that is not open is a 409; one of another tenant, a 404.
 */
export async function closeException(
  tx: Db,
  tenantId: string,
  id: string,
  close: { status: 'resolved' | 'ignored'; reason: string; by: string },
): Promise<{ before: HubException; after: HubException }> {
  const before = await getException(tx, tenantId, id, true);
  if (!before) throw exceptionNotFound(tenantId, id);
  if (before.status !== 'open') {
    throw new HubError({
      type: 'exception-not-open',
      title: 'Exception is not open',
      status: 409,
      detail: `exception ${id} is already ${before.status}${before.resolvedAt ? ` (at ${before.resolvedAt})` : ''}`,
      fix: 'only open exceptions can be resolved or ignored',
    });
  }
  const reason = close.reason.trim();
  if (!reason) {
    throw new HubError({
      type: 'reason-required',
      title: 'A reason is required',
      status: 400,
      detail: `closing exception ${id} as ${close.status} needs a reason`,
      fix: 'say why, e.g. "order re-keyed by hand in the channel"',
    });
  }
  await tx`
    update exceptions set status = ${close.status}, resolution = ${storableText(reason.slice(0, 2000))},
      resolved_by = ${close.by}, resolved_at = now(), updated_at = now()
    where id = ${id}`;
  const after = (await getException(tx, tenantId, id))!;
  return { before, after };
}

export function exceptionNotFound(tenantId: string, id: string): HubError {
  return new HubError({
    type: 'exception-not-found',
    title: 'No such exception',
    status: 404,
    detail: `tenant ${tenantId} has no exception ${id}`,
    fix: 'list them with GET /api/v1/exceptions or: switchyard exceptions list',
  });
}

/**
 * Points an open exception at a corrected copy of its input (an operator's edit, stored as a revision beside the
 * original: see `storeEditedInput`), so the next replay reads the correction. The original stays as it was.
 */
export async function pointAtRevision(tx: Db, id: string, inboxId: string, by: string): Promise<void> {
  await tx`
    update exceptions set inbox_id = ${inboxId}, updated_at = now(),
      detail = detail || ${tx.json({ editedBy: by } as never)}
    where id = ${id}`;
}
