import { countExceptions, listJobs, type Sql } from '@switchyard/core';
import { connectionHealth } from './connections.ts';
import type { OperatorContext } from './context.ts';

/** What the console's first page shows: throughput, exceptions, queues, connections in trouble. */
export async function overview(ctx: OperatorContext) {
  const sql = ctx.hub.sql as Sql;
  const tenant = ctx.by.tenantId;
  const [perMinute, exceptions, received, awaiting, jobs, health] = await Promise.all([
    // The last hour of new orders per connection and minute (orders_tenant_created serves the range).
    sql<{ connectionId: string; minute: Date; count: number }[]>`
      select connection_id as "connectionId", date_trunc('minute', created_at) as minute, count(*)::int as count
      from orders where tenant_id = ${tenant} and created_at > now() - interval '1 hour'
      group by 1, 2 order by 2`,
    countExceptions(sql, tenant),
    // Deliveries stored and not yet normalized (the deferred intake's queue), by the partial index.
    sql<
      { n: number }[]
    >`select count(*)::int as n from inbox where status = 'received' and tenant_id = ${tenant}`,
    // Orders whose workflow is yet to start (orders_awaiting_workflow).
    sql<{ n: number }[]>`
      select count(*)::int as n from orders o join fulfillment_activation f on f.connection_id = o.connection_id
      where o.workflow_started_at is null and o.tenant_id = ${tenant} and o.created_at >= f.since`,
    listJobs(sql, tenant, { limit: 20 }),
    connectionHealth(ctx),
  ]);
  const byConnection = new Map<string, number[]>();
  const now = Date.now();
  for (const row of perMinute) {
    const series = byConnection.get(row.connectionId) ?? Array<number>(60).fill(0);
    const ago = Math.floor((now - row.minute.getTime()) / 60_000);
    if (ago >= 0 && ago < 60) series[59 - ago] = row.count;
    byConnection.set(row.connectionId, series);
  }
  return {
    ordersPerMinute: [...byConnection].map(([connectionId, lastHour]) => ({
      connectionId,
      /** Orders created in each of the last 60 minutes, oldest first. */
      lastHour,
      total: lastHour.reduce((a, b) => a + b, 0),
    })),
    exceptions,
    queues: {
      received: received[0]!.n,
      awaitingWorkflow: awaiting[0]!.n,
      jobsRunning: jobs.filter((j) => j.status === 'running' || j.status === 'queued').length,
    },
    jobs,
    connectionsInTrouble: health.filter((c) => c.trouble),
  };
}
