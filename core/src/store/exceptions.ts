import type { Sql } from 'postgres';
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
  status: 'open' | 'resolved';
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

const SELECT = (sql: Db) => sql`
  select id, tenant_id as "tenantId", connection_id as "connectionId", kind, inbox_id as "inboxId", message, detail,
         status, replay_count as "replayCount", created_at as "createdAt", updated_at as "updatedAt",
         resolved_at as "resolvedAt"
  from exceptions`;

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

export async function listExceptions(
  sql: Sql,
  tenantId: string,
  options: { status?: 'open' | 'resolved' | 'all'; limit?: number } = {},
): Promise<HubException[]> {
  const status = options.status ?? 'open';
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  const rows = await sql<Row[]>`
    ${SELECT(sql)} where tenant_id = ${tenantId} ${status === 'all' ? sql`` : sql`and status = ${status}`}
    order by created_at desc, id desc limit ${limit}`;
  return rows.map(toException);
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
    await tx`update exceptions set status = 'resolved', replay_count = replay_count + 1, resolved_at = now(), updated_at = now() where id = ${id}`;
  } else {
    await tx`
      update exceptions set replay_count = replay_count + 1, updated_at = now(),
        message = coalesce(${outcome.message ?? null}, message),
        detail = coalesce(${outcome.detail ? tx.json(outcome.detail as never) : null}, detail)
      where id = ${id}`;
  }
}
