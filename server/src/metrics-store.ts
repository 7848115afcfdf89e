import type { Sql } from '@switchyard/core';

/**
 * What /metrics reads from the store at each scrape, in one read-only transaction under a short statement timeout,
 * each query on an index of its own: open exceptions, the deferred intake's backlog, orders waiting for their
 * workflow, the pulls' last runs, the engine's queues, notifications waiting to be fetched, and orders past their
 * marketplace ship-by time. `schema` is the engine's (checked by the caller), `tenants` and `managed` (connections
 * with fulfillment) the config's.
 */
export async function readStoreGauges(
  sql: Sql,
  { schema, tenants, managed }: { schema: string; tenants: string[]; managed: string[] },
) {
  return sql.begin('read only', async (tx) => {
    await tx`set local statement_timeout = 1500`;
    const [clock] = await tx<{ now: Date; engine: boolean }[]>`
      select now() as now, to_regclass(${`${schema}.workflow_status`}) is not null as engine`;
    // exceptions_tenant_status_keyset (tenant_id, status, …): only the open rows are read.
    const exceptions = tenants.length
      ? await tx<{ connection: string | null; reason: string; count: number }[]>`
          select connection_id as connection, kind as reason, count(*)::int as count from exceptions
          where tenant_id = any(${sql.array(tenants)}) and status = 'open' group by 1, 2`
      : [];
    // inbox_received (partial index on the received rows).
    const [inbox] = await tx<{ count: number }[]>`
      select count(*)::int as count from inbox where status = 'received'`;
    // orders_awaiting_workflow (partial index on workflow_started_at is null), as startAwaitingWorkflows reads it.
    const awaiting = managed.length
      ? await tx<{ connection: string; count: number }[]>`
          select o.connection_id as connection, count(*)::int as count from orders o
          join fulfillment_activation a on a.connection_id = o.connection_id
          where o.workflow_started_at is null and o.connection_id = any(${sql.array(managed)})
            and o.created_at >= a.since and o.status = 'placed'
          group by 1`
      : [];
    // One row per connection.
    const syncs = await tx<{ connection: string; lastRunAt: Date | null; status: string | null }[]>`
      select connection_id as connection, last_run_at as "lastRunAt", last_result->>'status' as status
      from sync_state`;
    // DBOS's partial indexes on PENDING and on (queue_name, status).
    const engine = clock?.engine
      ? await tx.unsafe<{ queue: string; state: string; count: number }[]>(
          `select coalesce(queue_name, '') as queue, lower(status) as state, count(*)::int as count
           from ${schema}.workflow_status where status in ('ENQUEUED', 'PENDING') group by 1, 2`,
        )
      : [];
    // hydrations_due (partial on pending) and orders_connection_ship_by (0022, partial on open orders).
    const pending = await tx<{ connection: string; count: number }[]>`
      select connection_id as connection, count(*)::int as count from hydrations where status = 'pending' group by 1`;
    const overdue = await tx<{ connection: string; count: number }[]>`
      select connection_id as connection, count(*) filter (where ship_by < now())::int as count from orders
      where ship_by is not null
        and status in ('placed', 'accepted', 'in_fulfillment', 'partially_shipped', 'on_hold')
      group by 1`;
    // book_postings by status (small per connection) and one row per authorized connection.
    const postings = await tx<{ connection: string; status: string; count: number }[]>`
      select books_connection as connection, status, count(*)::int as count from book_postings group by 1, 2`;
    const grants = await tx<{ connection: string; valid: boolean }[]>`
      select connection_id as connection, state = 'valid' as valid from connection_grants`;
    return {
      now: clock!.now.getTime(),
      postings,
      grants,
      exceptions,
      inbox: inbox?.count ?? 0,
      awaiting,
      syncs,
      engine,
      pending,
      overdue,
    };
  });
}

export type StoreRead = Awaited<ReturnType<typeof readStoreGauges>>;
