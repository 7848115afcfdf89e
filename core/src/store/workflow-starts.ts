import type { Sql } from 'postgres';

/** A new order whose workflow has not been started yet. */
export interface AwaitingWorkflow {
  id: string;
  tenantId: string;
  connectionId: string;
}

/**
 * Records, once per connection, when its fulfillment was first configured: orders imported before that are
 * left alone (a hub that starts managing a shop does not ship its history). Safe to repeat.
 */
export async function activateFulfillment(sql: Sql, connectionIds: readonly string[]): Promise<void> {
  if (!connectionIds.length) return;
  await sql`
    insert into fulfillment_activation (connection_id)
    select unnest(${sql.array(connectionIds as string[])}::text[]) on conflict do nothing`;
}

/**
 * Takes, in one transaction, up to `limit` placed orders of the connections (oldest first, created since the
 * connection's activation) whose workflow has not been started, hands them to `start` at once (an engine
 * records a batch in one write where it can), and marks them started in one statement. They are marked only
 * after `start` returned, so a crash in between starts them again (which the engine makes starting them
 * once); several processes share the work, each skipping the orders another holds.
 * Answers how many were started: `limit` means more may be waiting.
 */
export async function startAwaitingWorkflows(
  sql: Sql,
  connectionIds: readonly string[],
  limit: number,
  start: (orders: readonly AwaitingWorkflow[]) => Promise<void>,
): Promise<number> {
  if (!connectionIds.length) return 0;
  return sql.begin(async (tx) => {
    const due = await tx<AwaitingWorkflow[]>`
      select o.id, o.tenant_id as "tenantId", o.connection_id as "connectionId" from orders o
      join fulfillment_activation a on a.connection_id = o.connection_id
      where o.workflow_started_at is null and o.connection_id = any(${sql.array(connectionIds as string[])})
        and o.created_at >= a.since and o.status = 'placed'
      order by o.created_at limit ${limit}
      for update of o skip locked`;
    if (!due.length) return 0;
    await start(due);
    await tx`update orders set workflow_started_at = now() where id = any(${sql.array(due.map((o) => o.id))})`;
    return due.length;
  });
}
