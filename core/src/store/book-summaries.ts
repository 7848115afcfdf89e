import type { JournalLine } from '../connector/books.ts';
import type { Order } from '../order.ts';
import type { Sql } from './db.ts';
import type { Db } from './orders.ts';

/**
 * Daily summaries (`book_summaries`) and what each holds (`book_summary_entries`): every order's sale and each
 * refund is claimed by exactly one summary, the first whose day it falls in or before; one arriving after its
 * day's summary was gathered goes into the next one. The entries keep each order's own journal lines, so an
 * accountant can trace a summary's figures back to the orders.
 */

/** One order's sale or refund in a summary. */
export interface SummaryEntry {
  entryKey: string;
  orderId: string;
  kind: 'sale' | 'refund';
  currency: string;
  /** The order's total (sale) or the refund's amount, minor units. */
  amount: number;
  lines: JournalLine[];
}

export interface DaySummary {
  id: string;
  booksConnection: string;
  day: string;
  currency: string;
  status: 'pending' | 'posted' | 'failed' | 'empty';
  lines: JournalLine[];
  debits: number;
  credits: number;
  orders: number;
  externalId: string | null;
  detail: string | null;
  postedAt: string | null;
}

export const summaryId = (books: string, day: string, currency: string) =>
  `sum_${books}_${day.replaceAll('-', '')}_${currency}`;

/**
 * Gathers a day: hands `entriesOf` the orders of `channels` changed lately with the entry keys already claimed
 * for each, claims what it answers for this day, and returns the day's summaries per currency (its lines added
 * up by `sum`). One transaction: run again (a recovery), it claims only what arrived since and answers the
 * same summaries with it.
 */
export async function gatherDay(
  sql: Sql,
  options: {
    tenantId: string;
    books: string;
    day: string;
    /** Orders updated from here on are looked at (days are gathered in order, so older ones were claimed). */
    changedSince: Date;
    channels: readonly string[];
    entriesOf(order: Order, claimed: ReadonlySet<string>): SummaryEntry[];
    /** Called once every order was looked at, before anything is claimed: throwing claims nothing. */
    check?(): void;
    sum(lines: JournalLine[]): JournalLine[];
  },
): Promise<DaySummary[]> {
  const { books, day } = options;
  return sql.begin(async (tx) => {
    const rows = await tx<{ data: Order; claimed: string[] | null }[]>`
      select o.data, (select array_agg(e.entry_key) from book_summary_entries e
                      where e.books_connection = ${books} and e.order_id = o.id) as claimed
      from orders o join books_activation a on a.connection_id = o.connection_id
      where o.connection_id = any(${tx.array([...options.channels])}::text[])
        and o.updated_at >= ${options.changedSince} and o.created_at >= a.since
        -- an order whose sale was posted on its own (an invoice, or before the channel moved to summaries)
        and not exists (select 1 from book_postings p where p.order_id = o.id and p.key = 'sale:' || o.id)
      order by o.id`;
    const entries = rows.flatMap((r) => options.entriesOf(r.data, new Set(r.claimed ?? [])));
    options.check?.();
    if (entries.length)
      await tx`
        insert into book_summary_entries (books_connection, entry_key, summary_day, currency, order_id, kind, amount, lines)
        select ${books}, x.entry_key, ${day}::date, x.currency, x.order_id, x.kind, x.amount, x.lines
        from jsonb_to_recordset(${tx.json(
          entries.map((e) => ({
            entry_key: e.entryKey,
            currency: e.currency,
            order_id: e.orderId,
            kind: e.kind,
            amount: e.amount,
            lines: e.lines,
          })) as never,
        )}) as x(entry_key text, currency text, order_id text, kind text, amount bigint, lines jsonb)
        on conflict do nothing`;
    const held = await tx<{ currency: string; lines: JournalLine[]; orders: number }[]>`
      select currency, jsonb_agg(l) as lines, count(distinct order_id)::int as orders
      from book_summary_entries, jsonb_array_elements(lines) as l
      where books_connection = ${books} and summary_day = ${day}::date
      group by currency order by currency`;
    const summaries: DaySummary[] = [];
    for (const h of held) {
      const lines = options.sum(h.lines);
      let debits = 0;
      let credits = 0;
      for (const l of lines) {
        if (l.side === 'debit') debits += l.amount;
        else credits += l.amount;
      }
      const id = summaryId(books, day, h.currency);
      await tx`
        insert into book_summaries (id, books_connection, tenant_id, day, currency, status, lines, debits, credits, orders)
        values (${id}, ${books}, ${options.tenantId}, ${day}::date, ${h.currency}, 'pending', ${tx.json(lines as never)},
          ${debits}, ${credits}, ${h.orders})
        on conflict (books_connection, day, currency) do update set lines = excluded.lines, debits = excluded.debits,
          credits = excluded.credits, orders = excluded.orders
        where book_summaries.status <> 'posted'`;
      summaries.push({
        id,
        booksConnection: books,
        day,
        currency: h.currency,
        status: 'pending',
        lines,
        debits,
        credits,
        orders: h.orders,
        externalId: null,
        detail: null,
        postedAt: null,
      });
    }
    await tx`update book_days set gathered_at = coalesce(gathered_at, now())
      where books_connection = ${books} and day = ${day}::date`;
    return summaries;
  });
}

/** Records a summary's outcome; on posting, puts it on the timeline of every order it holds (one statement). */
export async function finishSummary(
  sql: Sql,
  summary: { id: string; books: string; day: string; currency: string },
  outcome: { status: 'posted'; externalId: string } | { status: 'failed'; detail: string },
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`update book_summaries set status = ${outcome.status},
        external_id = ${outcome.status === 'posted' ? outcome.externalId : null},
        detail = ${outcome.status === 'failed' ? outcome.detail : null},
        posted_at = ${outcome.status === 'posted' ? tx`now()` : null}
      where id = ${summary.id}`;
    if (outcome.status !== 'posted') return;
    await tx`
      insert into order_events (order_id, tenant_id, version, type, data, step_key)
      select o.id, o.tenant_id, o.version, 'books.summarized',
        jsonb_build_object('summaryId', ${summary.id}::text, 'day', ${summary.day}::text, 'books', ${summary.books}::text,
          'externalId', ${outcome.externalId}::text, 'entries', array_agg(e.entry_key order by e.entry_key)),
        'summary:' || ${summary.id}::text
      from book_summary_entries e join orders o on o.id = e.order_id
      where e.books_connection = ${summary.books} and e.summary_day = ${summary.day}::date
        and e.currency = ${summary.currency}
      group by o.id, o.tenant_id, o.version
      on conflict (order_id, step_key) where step_key is not null do nothing`;
  });
}

type SummaryRow = Omit<DaySummary, 'day' | 'postedAt'> & { day: Date | string; postedAt: Date | null };
const SUMMARY_COLUMNS = (sql: Db) => sql`
  id, books_connection as "booksConnection", to_char(day, 'YYYY-MM-DD') as day, currency, status, lines,
  debits::float8 as debits, credits::float8 as credits, orders, external_id as "externalId", detail,
  posted_at as "postedAt"`;
const toSummary = (r: SummaryRow): DaySummary => ({
  ...r,
  day: String(r.day),
  postedAt: r.postedAt?.toISOString() ?? null,
});

/** A tenant's summaries, newest day first. */
export async function listSummaries(
  sql: Db,
  tenantId: string,
  filter: { booksConnection?: string; limit?: number },
): Promise<DaySummary[]> {
  const rows = await sql<SummaryRow[]>`
    select ${SUMMARY_COLUMNS(sql)} from book_summaries where tenant_id = ${tenantId}
      ${filter.booksConnection ? sql`and books_connection = ${filter.booksConnection}` : sql``}
    order by day desc, currency limit ${Math.min(filter.limit ?? 60, 1000)}`;
  return rows.map(toSummary);
}

/** One summary with the orders it holds: each order's number, its entry and its own lines (the breakdown). */
export async function summaryBreakdown(sql: Db, tenantId: string, id: string) {
  const [row] = await sql<SummaryRow[]>`
    select ${SUMMARY_COLUMNS(sql)} from book_summaries where tenant_id = ${tenantId} and id = ${id}`;
  if (!row) return undefined;
  const summary = toSummary(row);
  const entries = await sql<
    {
      entryKey: string;
      orderId: string;
      externalNumber: string | null;
      kind: string;
      amount: number;
      lines: JournalLine[];
    }[]
  >`
    select e.entry_key as "entryKey", e.order_id as "orderId", coalesce(o.external_number, o.external_id) as "externalNumber",
      e.kind, e.amount::float8 as amount, e.lines
    from book_summary_entries e join orders o on o.id = e.order_id
    where e.books_connection = ${summary.booksConnection} and e.summary_day = ${summary.day}::date
      and e.currency = ${summary.currency}
    order by e.order_id, e.entry_key`;
  return { summary, entries };
}

/** The day a daily-summary books connection must summarize next (marked started), or none yet. */
export async function claimNextDay(
  sql: Db,
  books: string,
  first: string,
  lastClosed: string,
): Promise<{ day: string; fresh: boolean } | undefined> {
  const [last] = await sql<{ day: string; gathered: boolean }[]>`
    select to_char(day, 'YYYY-MM-DD') as day, gathered_at is not null as gathered from book_days
    where books_connection = ${books} order by day desc limit 1`;
  // A day started but not yet gathered (its workflow may not have started before a crash): start it again,
  // which is a no-op for a workflow that exists; the day after waits for it.
  if (last && !last.gathered) return { day: last.day, fresh: false };
  const next = last
    ? new Date(Date.parse(`${last.day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
    : first;
  if (next > lastClosed) return undefined;
  const claimed = await sql`insert into book_days (books_connection, day) values (${books}, ${next}::date)
    on conflict do nothing`;
  return claimed.count ? { day: next, fresh: true } : undefined;
}
