import { type Connection, postingCounts, readGrantStates } from '@switchyard/core';
import { resolveBooksPlans } from '@switchyard/workflows';
import { installedConnectors } from '../connectors.ts';
import type { OperatorContext } from './context.ts';

/** An authorized connection's grant, as health shows it (never a token). */
export interface AuthorizationHealth {
  state: 'not-authorized' | 'valid' | 'expired' | 'reconnect-needed';
  account: string | null;
  accountName: string | null;
  accessExpiresAt: string | null;
  refreshExpiresAt: string | null;
  authorizedAt: string | null;
  error: string | null;
}

/** What a books connection holds: its postings by status, invoices waiting to be paid, the last summary. */
export interface BooksHealth {
  postings: { pending: number; parked: number; posted: number; failed: number };
  openInvoices: number;
  lastSummary: { day: string; currency: string; status: string } | null;
}

/**
 * The books side of connection health: the OAuth grant of each authorized connection (a refused one is
 * "reconnect needed", with its parked postings), what each books connection has posted, and, for a channel
 * posting one document per order, whether its volume calls for the daily summary instead.
 */
export async function booksHealth(ctx: OperatorContext, mine: readonly Connection[]) {
  const sql = ctx.hub.sql;
  const authorized = mine.filter((c) => c.connector.authorization).map((c) => c.id);
  const books = mine.filter((c) => c.connector.capabilities.includes('accounting.post')).map((c) => c.id);
  const { plans } = resolveBooksPlans(ctx.hub.config.connections, installedConnectors);
  const perOrder = [...plans.values()].filter(
    (p) => p.mode === 'per-order' && mine.some((c) => c.id === p.channel),
  );
  const [grants, counts, invoices, summaries, volumes] = await Promise.all([
    authorized.length ? readGrantStates(sql, authorized) : Promise.resolve([]),
    books.length ? postingCounts(sql, books) : Promise.resolve([]),
    books.length
      ? sql<{ id: string; n: number }[]>`
          select books_connection as id, count(*)::int as n from book_postings
          where books_connection = any(${books}::text[]) and kind = 'invoice' and status = 'posted' and paid_at is null
          group by 1`
      : Promise.resolve([]),
    books.length
      ? sql<{ id: string; day: string; currency: string; status: string }[]>`
          select distinct on (books_connection) books_connection as id, to_char(day, 'YYYY-MM-DD') as day, currency, status
          from book_summaries where books_connection = any(${books}::text[]) order by books_connection, day desc`
      : Promise.resolve([]),
    perOrder.length
      ? sql<{ id: string; n: number }[]>`
          select connection_id as id, count(*)::int as n from orders
          where connection_id = any(${perOrder.map((p) => p.channel)}::text[]) and created_at > now() - interval '7 days'
          group by 1`
      : Promise.resolve([]),
  ]);

  const authorization = new Map<string, AuthorizationHealth>();
  const trouble = new Map<string, string[]>();
  const add = (id: string, words: string) => trouble.set(id, [...(trouble.get(id) ?? []), words]);
  const connectorTitle = (id: string) => mine.find((c) => c.id === id)?.connector.title ?? 'the vendor';
  for (const id of authorized) {
    const g = grants.find((x) => x.connectionId === id);
    authorization.set(id, {
      state: g?.state ?? 'not-authorized',
      account: g?.account ?? null,
      accountName: g?.accountName ?? null,
      accessExpiresAt: g?.accessExpiresAt ?? null,
      refreshExpiresAt: g?.refreshExpiresAt ?? null,
      authorizedAt: g?.authorizedAt ?? null,
      error: g?.error ?? null,
    });
    if (!g)
      add(id, `not authorized yet: run switchyard connections authorize ${id}, or Authorize in the console`);
    else if (g.state === 'reconnect-needed') {
      const parked = counts.find((c) => c.booksConnection === id && c.status === 'parked')?.n ?? 0;
      add(
        id,
        // The vendor's words are under Authorization: the trouble line says what it means and what to do.
        `reconnect needed: ${connectorTitle(id)} refused the connection's grant; ${parked} posting${parked === 1 ? '' : 's'} parked until you run switchyard connections authorize ${id} (or Authorize again in the console)`,
      );
    }
  }
  const health = new Map<string, BooksHealth>();
  for (const id of books) {
    const n = (status: string) => counts.find((c) => c.booksConnection === id && c.status === status)?.n ?? 0;
    const summary = summaries.find((s) => s.id === id);
    health.set(id, {
      postings: { pending: n('pending'), parked: n('parked'), posted: n('posted'), failed: n('failed') },
      openInvoices: invoices.find((i) => i.id === id)?.n ?? 0,
      lastSummary: summary ? { day: summary.day, currency: summary.currency, status: summary.status } : null,
    });
    if (n('failed'))
      add(id, `${n('failed')} posting${n('failed') === 1 ? '' : 's'} failed: see the exceptions`);
  }
  for (const plan of perOrder) {
    const perDay = Math.round((volumes.find((v) => v.id === plan.channel)?.n ?? 0) / 7);
    if (perDay > plan.recommendSummaryAbove)
      add(
        plan.channel,
        `${perDay} orders a day go to ${plan.books} one document each: above ${plan.recommendSummaryAbove} a day, the daily summary is recommended (accounting.mode "daily-summary")`,
      );
  }
  return { authorization, books: health, trouble };
}
