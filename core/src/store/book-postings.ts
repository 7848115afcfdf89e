import type { Order } from '../order.ts';
import type { Sql } from './db.ts';
import type { Db } from './orders.ts';

/**
 * What the hub posted to each books connection (`book_postings`), under each posting's key, and which orders
 * the books dispatcher has still to look at (`orders.books_version`).
 */

export interface BookPosting {
  booksConnection: string;
  key: string;
  tenantId: string;
  orderId: string | null;
  kind: string;
  status: 'pending' | 'parked' | 'posted' | 'failed';
  workflowId: string;
  externalId: string | null;
  number: string | null;
  currency: string;
  totalAmount: number;
  taxAmount: number;
  booksTotal: number | null;
  booksTax: number | null;
  detail: string | null;
  paidAt: string | null;
  createdAt: string;
  postedAt: string | null;
}

const COLUMNS = (sql: Db) => sql`
  books_connection as "booksConnection", key, tenant_id as "tenantId", order_id as "orderId", kind, status,
  workflow_id as "workflowId", external_id as "externalId", number, currency, total_amount::float8 as "totalAmount",
  tax_amount::float8 as "taxAmount", books_total::float8 as "booksTotal", books_tax::float8 as "booksTax", detail,
  paid_at as "paidAt", created_at as "createdAt", posted_at as "postedAt"`;

type Row = Omit<BookPosting, 'paidAt' | 'createdAt' | 'postedAt'> & {
  paidAt: Date | null;
  createdAt: Date;
  postedAt: Date | null;
};
const toPosting = (r: Row): BookPosting => ({
  ...r,
  paidAt: r.paidAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
  postedAt: r.postedAt?.toISOString() ?? null,
});

/** Marks the channels' accounting active from now: orders imported before are never posted by surprise. */
export async function activateBooks(sql: Sql, channels: readonly string[]): Promise<void> {
  if (!channels.length) return;
  await sql.begin(async (tx) => {
    const fresh = await tx<{ connection_id: string; since: Date }[]>`
      insert into books_activation (connection_id)
      select unnest(${tx.array([...channels])}::text[])
      on conflict do nothing returning connection_id, since`;
    for (const row of fresh)
      await tx`update orders set books_version = version
        where connection_id = ${row.connection_id} and books_version is null and created_at < ${row.since}`;
  });
}

/**
 * Hands `look` the orders of `channels` imported since their accounting was activated and changed since the
 * books dispatcher last looked, then marks each looked at in the version it had. No row lock is held while
 * `look` starts workflows (the intake must not wait behind it): two processes looking at the same order start
 * the same workflow ids, which is starting them once, and the mark only ever moves forward.
 */
export async function lookAtChangedOrders(
  sql: Sql,
  channels: readonly string[],
  limit: number,
  look: (orders: Order[]) => Promise<void>,
): Promise<number> {
  if (!channels.length) return 0;
  const rows = await sql<{ id: string; version: number; data: Order }[]>`
    select o.id, o.version, o.data from orders o
    join books_activation a on a.connection_id = o.connection_id
    where o.connection_id = any(${sql.array([...channels])}::text[])
      and (o.books_version is null or o.books_version < o.version) and o.created_at >= a.since
    order by o.id limit ${limit}`;
  if (!rows.length) return 0;
  await look(rows.map((r) => r.data));
  await sql`update orders as o set books_version = greatest(coalesce(o.books_version, 0), x.version)
    from jsonb_to_recordset(${sql.json(rows.map((r) => ({ id: r.id, version: r.version })) as never)})
      as x(id text, version int)
    where o.id = x.id`;
  return rows.length;
}

/** A posting by its key, or undefined. */
export async function getPosting(
  sql: Db,
  booksConnection: string,
  key: string,
): Promise<BookPosting | undefined> {
  const [row] = await sql<Row[]>`
    select ${COLUMNS(sql)} from book_postings where books_connection = ${booksConnection} and key = ${key}`;
  return row && toPosting(row);
}

/** Records a posting's state (created on first sight, then updated as its workflow goes on). */
export async function recordPosting(
  sql: Db,
  p: Pick<
    BookPosting,
    | 'booksConnection'
    | 'key'
    | 'tenantId'
    | 'orderId'
    | 'kind'
    | 'status'
    | 'workflowId'
    | 'currency'
    | 'totalAmount'
    | 'taxAmount'
  > &
    Partial<Pick<BookPosting, 'externalId' | 'number' | 'booksTotal' | 'booksTax' | 'detail'>>,
): Promise<void> {
  const posted = p.status === 'posted';
  await sql`
    insert into book_postings (books_connection, key, tenant_id, order_id, kind, status, workflow_id, external_id,
      number, currency, total_amount, tax_amount, books_total, books_tax, detail, posted_at)
    values (${p.booksConnection}, ${p.key}, ${p.tenantId}, ${p.orderId}, ${p.kind}, ${p.status}, ${p.workflowId},
      ${p.externalId ?? null}, ${p.number ?? null}, ${p.currency}, ${p.totalAmount}, ${p.taxAmount},
      ${p.booksTotal ?? null}, ${p.booksTax ?? null}, ${p.detail ?? null}, ${posted ? sql`now()` : null})
    on conflict (books_connection, key) do update set kind = excluded.kind, status = excluded.status,
      external_id = coalesce(excluded.external_id, book_postings.external_id),
      number = coalesce(excluded.number, book_postings.number), total_amount = excluded.total_amount,
      tax_amount = excluded.tax_amount, books_total = coalesce(excluded.books_total, book_postings.books_total),
      books_tax = coalesce(excluded.books_tax, book_postings.books_tax), detail = excluded.detail,
      posted_at = coalesce(book_postings.posted_at, excluded.posted_at)`;
}

/** An order's postings, oldest first (its timeline and detail show them). */
export async function postingsOfOrder(sql: Db, orderId: string): Promise<BookPosting[]> {
  const rows = await sql<Row[]>`
    select ${COLUMNS(sql)} from book_postings where order_id = ${orderId} order by created_at, key`;
  return rows.map(toPosting);
}

/** A page of a books connection's postings, newest first, optionally of one status. */
export async function listPostings(
  sql: Db,
  tenantId: string,
  filter: { booksConnection?: string; status?: string; limit?: number; before?: string },
): Promise<BookPosting[]> {
  const rows = await sql<Row[]>`
    select ${COLUMNS(sql)} from book_postings
    where tenant_id = ${tenantId}
      ${filter.booksConnection ? sql`and books_connection = ${filter.booksConnection}` : sql``}
      ${filter.status ? sql`and status = ${filter.status}` : sql``}
      ${filter.before ? sql`and created_at < ${filter.before}` : sql``}
    order by created_at desc, key desc limit ${Math.min(filter.limit ?? 100, 1000)}`;
  return rows.map(toPosting);
}

/**
 * The posted invoice with the books' id `externalId`, marked paid (the first time only: `paid_at` keeps the
 * first report); answered every time, so a report acted on again after a failure still reaches its order.
 */
export async function markInvoicePaid(
  sql: Db,
  booksConnection: string,
  externalId: string,
): Promise<BookPosting | undefined> {
  const [row] = await sql<Row[]>`
    update book_postings set paid_at = coalesce(paid_at, now())
    where books_connection = ${booksConnection} and external_id = ${externalId} and kind = 'invoice'
      and status = 'posted'
    returning ${COLUMNS(sql)}`;
  return row && toPosting(row);
}

/** How many invoices of a books connection wait to be paid (the change feed is read only while some do). */
export async function openInvoiceCount(sql: Db, booksConnection: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from book_postings
    where books_connection = ${booksConnection} and kind = 'invoice' and status = 'posted' and paid_at is null`;
  return row!.n;
}

/** Counts of a books connection's postings by status (health and metrics). */
export async function postingCounts(sql: Db, booksConnections: readonly string[]) {
  return sql<{ booksConnection: string; status: string; n: number }[]>`
    select books_connection as "booksConnection", status, count(*)::int as n from book_postings
    where books_connection = any(${sql.array([...booksConnections])}::text[]) group by 1, 2`;
}

/** The postings parked for `booksConnection` (reconnect needed): their workflows, to wake once it is authorized. */
export async function parkedWorkflows(sql: Db, booksConnection: string): Promise<string[]> {
  const rows = await sql<{ workflow_id: string }[]>`
    select distinct workflow_id from book_postings where books_connection = ${booksConnection} and status = 'parked'
    union
    select 'books-day:' || books_connection || ':' || to_char(day, 'YYYY-MM-DD') from book_summaries
    where books_connection = ${booksConnection} and status = 'failed' and detail like 'parked:%'`;
  return rows.map((r) => r.workflow_id);
}
