import {
  type AnyConnector,
  appendOrderEvent,
  type BooksInvoiceState,
  type Connection,
  connectionContext,
  describeError,
  type Engine,
  handOverInboxEvents,
  isReconnectNeeded,
  type Loop,
  markInvoicePaid,
  openInvoiceCount,
  parkedWorkflows,
  type Sql,
  startLoop,
} from '@switchyard/core';
import { orderWorkflowId, PAYMENT_TOPIC } from '../order/events.ts';
import { BOOKS_RECONNECTED_TOPIC } from './posting.ts';

/** Deliveries handed over per turn. */
const BATCH = 50;
/** How far back the change feed reads again each time (changes recorded late, clocks apart). */
const FEED_OVERLAP_MS = 10 * 60_000;
/** QuickBooks' change data capture looks back at most 30 days. */
const FEED_LOOKBACK_MS = 29 * 86_400_000;

/**
 * Money received in the books: the books' webhooks (QuickBooks CloudEvents, Xero events), stored raw in the
 * inbox like every delivery, name changes; each change is acted on once (by its event id), and the invoices it
 * concerns are read. An invoice the hub posted that the books now show paid is marked paid, put on its order's
 * timeline, and closes the order's wait for payment (a B2B order on terms). A periodic change read fills what
 * a lost webhook would leave, only while some posted invoice is still open, so it costs QuickBooks' metered
 * reads only when there is something to learn.
 */
export function startBooksWatcher(options: {
  sql: Sql;
  engine: Engine;
  connections: ReadonlyMap<string, Connection>;
  /** The books connections posted to. */
  books: readonly string[];
  log: {
    info(message: string, fields?: Record<string, unknown>): void;
    error(message: string, fields?: Record<string, unknown>): void;
  };
  everyMs?: number;
  /** Between change-feed reads per connection (default 1 hour). */
  feedEveryMs?: number;
}): Loop {
  const { sql, engine, connections } = options;
  const ids = options.books.filter((id) => connections.get(id)?.connector.books);
  const feedEveryMs = options.feedEveryMs ?? 3_600_000;

  const applyStates = async (books: string, states: BooksInvoiceState[], cause: string) => {
    for (const state of states) {
      if (state.status !== 'paid') continue;
      // Marked, recorded and signalled every time (each deduplicated): a report acted on again after a failure
      // part-way still reaches the order.
      const posting = await markInvoicePaid(sql, books, state.invoice);
      if (!posting?.orderId) continue;
      await appendOrderEvent(sql, {
        orderId: posting.orderId,
        type: 'books.invoice-paid',
        stepKey: `books-paid:${books}:${state.invoice}`,
        data: {
          books,
          invoice: state.invoice,
          number: posting.number,
          cause,
          ...(state.at ? { at: state.at } : {}),
        },
      });
      await engine.signal(
        orderWorkflowId(posting.orderId),
        PAYMENT_TOPIC,
        { type: 'invoice.paid', objectId: state.invoice },
        { dedupeKey: `books-paid:${books}:${state.invoice}` },
      );
      options.log.info('invoice paid in the books', {
        books,
        invoice: state.invoice,
        order: posting.orderId,
      });
    }
  };

  /**
   * Which books connection a change belongs to: the one of the same connector whose grant reaches the change's
   * company. An app has one webhook URL for every company it is connected to, so a delivery posted to one
   * connection may hold another's changes (QuickBooks CloudEvents name several companies in one POST).
   */
  const ownerOf = async (delivered: string) => {
    const connector = connections.get(delivered)!.connector.id;
    const same = ids.filter((id) => connections.get(id)?.connector.id === connector);
    const rows = await sql<{ connection_id: string; account: string }[]>`
      select connection_id, account from connection_grants where connection_id = any(${sql.array(same)}::text[])`;
    const byAccount = new Map(rows.map((r) => [r.account, r.connection_id]));
    return (account: string) => byAccount.get(account);
  };

  const readFeed = async (books: string) => {
    const [feed] = await sql<{ read_until: Date; read_at: Date }[]>`
      select read_until, read_at from books_feed where books_connection = ${books}`;
    const now = Date.now();
    if (feed && now - feed.read_at.getTime() < feedEveryMs) return;
    if ((await openInvoiceCount(sql, books)) === 0) return;
    const connection = connections.get(books)!;
    const since = new Date(
      Math.max(now - FEED_LOOKBACK_MS, (feed?.read_until.getTime() ?? now - 86_400_000) - FEED_OVERLAP_MS),
    );
    const states = await (connection.connector as AnyConnector).books!.invoicesChangedSince(
      connectionContext(connection),
      since,
      AbortSignal.timeout(120_000),
    );
    await applyStates(books, states, 'change feed');
    await sql`insert into books_feed (books_connection, read_until, read_at) values (${books}, ${new Date(now)}, now())
      on conflict (books_connection) do update set read_until = excluded.read_until, read_at = now()`;
  };

  /** Each connection's authorization last seen: a new one wakes the postings parked for it. */
  const authorized = new Map<string, number>();
  const wakeParked = async () => {
    const rows = await sql<{ connection_id: string; authorized_at: Date }[]>`
      select connection_id, authorized_at from connection_grants
      where connection_id = any(${sql.array([...ids])}::text[]) and state = 'valid'`;
    for (const row of rows) {
      const at = row.authorized_at.getTime();
      if (authorized.get(row.connection_id) === at) continue;
      for (const workflowId of await parkedWorkflows(sql, row.connection_id))
        await engine.signal(
          workflowId,
          BOOKS_RECONNECTED_TOPIC,
          { at: row.authorized_at.toISOString() },
          {
            dedupeKey: `reconnected:${row.connection_id}:${at}`,
          },
        );
      authorized.set(row.connection_id, at);
    }
  };

  /** Grants not refreshed for a month are refreshed, so a quiet merchant's refresh token never lapses. */
  const keepAlive = async () => {
    const rows = await sql<{ connection_id: string }[]>`
      select connection_id from connection_grants
      where connection_id = any(${sql.array([...ids])}::text[]) and state = 'valid'
        and coalesce(refreshed_at, authorized_at) < now() - interval '30 days'`;
    for (const row of rows) {
      try {
        await connections.get(row.connection_id)?.authorization?.renew?.();
        options.log.info('refreshed a quiet grant to keep it alive', { connection: row.connection_id });
      } catch (error) {
        options.log.error('keeping a grant alive failed', {
          connection: row.connection_id,
          error: describeError(error),
        });
      }
    }
  };
  let keptAliveAt = 0;

  return startLoop({
    everyMs: options.everyMs ?? 1000,
    async turn() {
      if (!ids.length) return;
      await wakeParked();
      if (Date.now() - keptAliveAt > 3_600_000) {
        keptAliveAt = Date.now();
        await keepAlive();
      }
      const handed = await handOverInboxEvents(sql, ids, BATCH, async (event) => {
        const intake = (connections.get(event.connectionId)!.connector as AnyConnector).books!;
        const owner = await ownerOf(event.connectionId);
        const changes = intake.changes({
          headers: event.headers,
          body: event.body,
          contentType: event.contentType,
          receivedAt: event.receivedAt,
        });
        try {
          for (const change of changes) {
            // One POST may hold several companies: each change goes to the connection authorized for its own.
            const books = owner(change.account);
            if (!books) continue;
            const connection = connections.get(books)!;
            const [seen] = await sql<{ n: number }[]>`
              select 1 as n from books_events_seen where books_connection = ${books} and event_id = ${change.eventId}`;
            if (seen) continue;
            const states = await intake.invoicesOf(
              connectionContext(connection),
              change,
              AbortSignal.timeout(120_000),
            );
            await applyStates(books, states, `${change.entity} ${change.id} ${change.operation}`);
            await sql`insert into books_events_seen (books_connection, event_id) values (${books}, ${change.eventId})
              on conflict do nothing`;
          }
          return 'handed-over';
        } catch (error) {
          if (isReconnectNeeded(error)) return { retryInSeconds: 600 };
          options.log.error('reading what the books reported failed; trying again', {
            connection: event.connectionId,
            error: describeError(error),
          });
          return { retryInSeconds: 30 };
        }
      });
      for (const books of ids) {
        try {
          await readFeed(books);
        } catch (error) {
          if (!isReconnectNeeded(error))
            options.log.error('reading the books’ change feed failed; trying again later', {
              connection: books,
              error: describeError(error),
            });
          await sql`insert into books_feed (books_connection, read_until, read_at)
            values (${books}, now() - interval '1 day', now())
            on conflict (books_connection) do update set read_at = now()`;
        }
      }
      return handed === BATCH ? 'again' : undefined;
    },
    onError: (error) =>
      options.log.error('watching the books failed; trying again shortly', { error: describeError(error) }),
  });
}
