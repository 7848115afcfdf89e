import type { ResolvedConfig, Sql } from '@switchyard/core';
import { Gauge, type Registry } from 'prom-client';
import { readStoreGauges, type StoreRead } from './metrics-store.ts';

/**
 * The gauges about the store (open exceptions, queue depths, sync lag, notifications, ship-by, the books), read
 * from the database when scraped (`metrics-store.ts` holds the queries). One read at a time, under a time limit:
 * a database that does not answer does not fail the scrape; these gauges are then left out rather than stale,
 * and `switchyard_metrics_store_up` is 0.
 */
export function storeGauges(options: {
  registers: Registry[];
  /** The engine's schema (checked by the caller). */
  schema: string;
  sql?: Sql;
  config?: Pick<ResolvedConfig, 'connections' | 'tenants'>;
  /** How long the read may take at a scrape (default 2,000 ms). */
  timeoutMs?: number;
}): { refresh(): Promise<void> } {
  const { registers, schema } = options;
  const storeUp = new Gauge({
    name: 'switchyard_metrics_store_up',
    help: "1 when the store's gauges were read at this scrape; 0 when the database did not answer in time.",
    registers,
  });
  const exceptionsOpen = new Gauge({
    name: 'switchyard_exceptions_open',
    help: 'Open exceptions, by connection and reason (kind).',
    labelNames: ['connection', 'reason'] as const,
    registers,
  });
  // Labelled so that it can be left out when the store does not answer (an unlabelled gauge always shows).
  const inboxReceived = new Gauge({
    name: 'switchyard_inbox_deliveries',
    help: 'Deliveries in the inbox by status: received (stored raw, not yet normalized; the deferred intake backlog).',
    labelNames: ['status'] as const,
    registers,
  });
  const awaitingWorkflow = new Gauge({
    name: 'switchyard_orders_awaiting_workflow',
    help: 'New orders of connections with fulfillment whose workflow has not been started yet.',
    labelNames: ['connection'] as const,
    registers,
  });
  const engineQueue = new Gauge({
    name: 'switchyard_engine_workflows',
    help: "Workflows in the engine's tables by queue and state: enqueued (waiting for room), pending (running or to recover).",
    labelNames: ['queue', 'state'] as const,
    registers,
  });
  const syncLag = new Gauge({
    name: 'switchyard_sync_lag_seconds',
    help: "Seconds since the connection's last completed pull (known since its last completed run).",
    labelNames: ['connection'] as const,
    registers,
  });
  const syncOk = new Gauge({
    name: 'switchyard_sync_last_run_ok',
    help: "1 when the connection's last pull completed, 0 when it was interrupted.",
    labelNames: ['connection'] as const,
    registers,
  });
  const notificationsPending = new Gauge({
    name: 'switchyard_notifications_pending',
    help: 'Thin notifications stored and waiting for their resource to be fetched, by connection.',
    labelNames: ['connection'] as const,
    registers,
  });
  const shipByOverdue = new Gauge({
    name: 'switchyard_ship_by_overdue_orders',
    help: 'Orders not yet shipped whose marketplace ship-by time has passed, by connection (0 for a connection with deadlines and none past).',
    labelNames: ['connection'] as const,
    registers,
  });
  const booksPostings = new Gauge({
    name: 'switchyard_books_postings',
    help: 'Documents posted or being posted to the books, by books connection and status (pending, parked, posted, failed).',
    labelNames: ['connection', 'status'] as const,
    registers,
  });
  const booksAuthorized = new Gauge({
    name: 'switchyard_books_authorized',
    help: "1 while an OAuth connection's grant is usable, 0 when the vendor refused it (reconnect needed).",
    labelNames: ['connection'] as const,
    registers,
  });
  /** The last completed pull seen per connection, kept when a later run is interrupted. */
  const lastCompleted = new Map<string, number>();
  const managed = (options.config?.connections ?? []).filter((c) => c.fulfillment).map((c) => c.id);
  const tenants = (options.config?.tenants ?? []).map((t) => t.id);
  const gauges = [
    exceptionsOpen,
    inboxReceived,
    awaitingWorkflow,
    engineQueue,
    syncLag,
    syncOk,
    notificationsPending,
    shipByOverdue,
    booksPostings,
    booksAuthorized,
  ];

  const readStore = (sql: Sql) => readStoreGauges(sql, { schema, tenants, managed });

  function showStore(read: StoreRead) {
    for (const r of read.exceptions) {
      exceptionsOpen.set({ connection: r.connection ?? '', reason: r.reason }, r.count);
    }
    inboxReceived.set({ status: 'received' }, read.inbox);
    for (const id of managed) awaitingWorkflow.set({ connection: id }, 0);
    for (const r of read.awaiting) awaitingWorkflow.set({ connection: r.connection }, r.count);
    for (const r of read.engine) engineQueue.set({ queue: r.queue, state: r.state }, r.count);
    for (const r of read.pending) notificationsPending.set({ connection: r.connection }, r.count);
    for (const r of read.overdue) shipByOverdue.set({ connection: r.connection }, r.count);
    for (const r of read.postings) booksPostings.set({ connection: r.connection, status: r.status }, r.count);
    for (const r of read.grants) booksAuthorized.set({ connection: r.connection }, r.valid ? 1 : 0);
    for (const r of read.syncs) {
      if (!r.lastRunAt) continue;
      const completed = r.status === 'completed';
      syncOk.set({ connection: r.connection }, completed ? 1 : 0);
      if (completed) {
        lastCompleted.set(
          r.connection,
          Math.max(lastCompleted.get(r.connection) ?? 0, r.lastRunAt.getTime()),
        );
      }
      const last = lastCompleted.get(r.connection);
      if (last !== undefined)
        syncLag.set({ connection: r.connection }, Math.max(0, (read.now - last) / 1000));
    }
  }

  // One read at a time: scrapes during a slow or down database wait for the read under way, not pile up.
  let reading: Promise<Awaited<ReturnType<typeof readStore>>> | undefined;
  async function refreshStore() {
    const sql = options.sql;
    if (!sql) return;
    reading ??= readStore(sql).finally(() => {
      reading = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const read = await Promise.race([
        reading,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer in time')), options.timeoutMs ?? 2000);
        }),
      ]);
      for (const gauge of gauges) gauge.reset();
      showStore(read);
      storeUp.set(1);
    } catch {
      // Left out rather than stale: a gauge last read an hour ago would say the queue is as it was then.
      for (const gauge of gauges) gauge.reset();
      storeUp.set(0);
    } finally {
      clearTimeout(timer);
    }
  }
  // A read abandoned at the timeout may fail later: that is not an unhandled rejection.
  const quietly = () => reading?.catch(() => {});

  return {
    async refresh() {
      await refreshStore();
      quietly();
    },
  };
}
