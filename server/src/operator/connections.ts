import {
  createJob,
  HubError,
  type Job,
  readTokenStates,
  recordAudit,
  type TokenState,
  tokenStates,
} from '@switchyard/core';
import { type AuthorizationHealth, type BooksHealth, booksHealth } from './books-health.ts';
import { type OperatorContext, requireRole, tenantConnection } from './context.ts';
import { BACKFILL_JOB, SYNC_JOB } from './jobs.ts';

/** How a connection is doing, as its health page shows it. */
export interface ConnectionHealth {
  id: string;
  connector: string;
  capabilities: string[];
  /** The newest delivery stored for it (webhook, file or pulled record). */
  lastDeliveryAt: string | null;
  /** When its last sync ran, and when its last one completed. */
  lastPollAt: string | null;
  lastPollStatus: string | null;
  /** How far behind its pull is: now minus the watermark (everything modified before it has been pulled). */
  lagSeconds: number | null;
  /** The schedule it is pulled on, if any. */
  pollEvery: string | null;
  openExceptions: number;
  /** Over the last minutes, in this process: share of vendor calls that failed, and that were throttled (429). */
  vendorCalls: { calls: number; errorRate: number; throttledRate: number; windowMinutes: number } | null;
  /** Whether its webhooks are registered with the vendor: the hub does not manage subscriptions yet. */
  subscription: string;
  /** The access tokens the connection's calls use (in this process): state, expiry, an early warning. */
  tokens: TokenState[];
  /**
   * For thin notifications (fetched after they arrive): how many wait to be fetched, the oldest's age, and how
   * long notifications took to become records over the last hour. Null for a connection without them.
   */
  notifications: {
    pending: number;
    oldestPendingSeconds: number | null;
    lastHour: { fetched: number; p50Seconds: number | null; maxSeconds: number | null };
  } | null;
  /**
   * The nearest marketplace ship-by deadline among the connection's orders not yet shipped, how many fall due
   * within the next day, and how many are past; null when none has one.
   */
  shipBy: {
    next: { orderId: string; externalId: string; at: string };
    dueWithinDay: number;
    overdue: number;
  } | null;
  /** An OAuth connection's grant (QuickBooks, Xero): authorized, valid, or reconnect needed; null for others. */
  authorization: AuthorizationHealth | null;
  /** A books connection's postings, open invoices and last daily summary; null for others. */
  books: BooksHealth | null;
  /** What is wrong, in words, or null. */
  trouble: string | null;
}

/** A deadline this close (or past) puts an order at risk in the health's words. */
const AT_RISK_MS = 4 * 3_600_000;

/** The tenant's connections and their health. */
export async function connectionHealth(ctx: OperatorContext): Promise<ConnectionHealth[]> {
  const sql = ctx.hub.sql;
  const mine = [...ctx.hub.connections.values()].filter((c) => c.tenantId === ctx.by.tenantId);
  if (!mine.length) return [];
  const ids = mine.map((c) => c.id);
  const thin = mine.filter((c) => c.connector.webhook?.hydrate).map((c) => c.id);
  const [deliveries, syncs, open, subscriptions, hydrations, deadlines, storedTokens] = await Promise.all([
    // One index probe per connection (inbox_connection_received).
    sql<{ id: string; at: Date | null }[]>`
      select c.id, (select received_at from inbox i where i.connection_id = c.id
                    order by received_at desc limit 1) as at
      from unnest(${ids}::text[]) as c(id)`,
    sql<{ id: string; lastRunAt: Date | null; watermark: Date | null; result: { status?: string } | null }[]>`
      select connection_id as id, last_run_at as "lastRunAt", watermark, last_result as result
      from sync_state where connection_id = any(${ids}::text[])`,
    sql<{ id: string; n: number }[]>`
      select connection_id as id, count(*)::int as n from exceptions
      where tenant_id = ${ctx.by.tenantId} and status = 'open' and connection_id = any(${ids}::text[])
      group by connection_id`,
    sql<
      {
        id: string;
        url: string;
        syncedAt: Date;
        ok: boolean;
        result: Record<string, string[]>;
        error: string | null;
      }[]
    >`
      select connection_id as id, url, synced_at as "syncedAt", ok, result, error
      from webhook_subscriptions where connection_id = any(${ids}::text[])`,
    thin.length
      ? sql<
          {
            id: string;
            pending: number;
            oldest: number | null;
            fetched: number;
            p50: number | null;
            max: number | null;
          }[]
        >`
          select c.id,
            (select count(*)::int from hydrations h where h.connection_id = c.id and h.status = 'pending') as pending,
            (select extract(epoch from now() - min(h.created_at))::float8 from hydrations h
              where h.connection_id = c.id and h.status = 'pending') as oldest,
            l.fetched, l.p50, l.max
          from unnest(${thin}::text[]) as c(id)
          cross join lateral (
            select count(*)::int as fetched,
              percentile_cont(0.5) within group (order by extract(epoch from h.hydrated_at - h.created_at))::float8 as p50,
              max(extract(epoch from h.hydrated_at - h.created_at))::float8 as max
            from hydrations h where h.connection_id = c.id and h.status = 'hydrated'
              and h.hydrated_at > now() - interval '1 hour') l`
      : Promise.resolve([]),
    // The partial index orders_connection_ship_by (0022) holds only open orders with a deadline.
    sql<
      {
        id: string;
        orderId: string | null;
        externalId: string | null;
        at: Date | null;
        day: number;
        overdue: number;
      }[]
    >`
      select c.id, n.id as "orderId", n.external_id as "externalId", n.ship_by as at,
        (select count(*)::int from orders o where o.connection_id = c.id and o.ship_by is not null
           and o.status in ('placed', 'accepted', 'in_fulfillment', 'partially_shipped', 'on_hold')
           and o.ship_by >= now() and o.ship_by < now() + interval '1 day') as day,
        (select count(*)::int from orders o where o.connection_id = c.id and o.ship_by is not null
           and o.status in ('placed', 'accepted', 'in_fulfillment', 'partially_shipped', 'on_hold')
           and o.ship_by < now()) as overdue
      from unnest(${ids}::text[]) as c(id)
      left join lateral (
        select o.id, o.external_id, o.ship_by from orders o
        where o.connection_id = c.id and o.ship_by is not null
          and o.status in ('placed', 'accepted', 'in_fulfillment', 'partially_shipped', 'on_hold')
        order by o.ship_by limit 1) n on true
      where n.id is not null`,
    readTokenStates(sql, ids),
  ]);
  const booked = await booksHealth(ctx, mine);
  const now = Date.now();
  return mine.map((c) => {
    const delivered = deliveries.find((d) => d.id === c.id)?.at ?? null;
    const sync = syncs.find((s) => s.id === c.id);
    const exceptions = open.find((o) => o.id === c.id)?.n ?? 0;
    const stats = ctx.vendorStats?.(c.id);
    const vendorCalls = stats?.calls
      ? {
          calls: stats.calls,
          errorRate: stats.errors / stats.calls,
          throttledRate: stats.throttled / stats.calls,
          windowMinutes: stats.windowMinutes,
        }
      : null;
    const pollMs = ctx.hub.config.connections.find((r) => r.id === c.id)?.pollEveryMs;
    const pollEvery = pollMs ? `${Math.round(pollMs / 1000)} s` : null;
    const lagSeconds = sync?.watermark
      ? Math.max(0, Math.round((now - sync.watermark.getTime()) / 1000))
      : null;
    const tokens = tokensOf(storedTokens.get(c.id) ?? [], tokenStates(c.id, now));
    const hydration = hydrations.find((h) => h.id === c.id);
    const deadline = deadlines.find((d) => d.id === c.id);
    const trouble = [
      vendorCalls && vendorCalls.errorRate >= 0.2
        ? `${Math.round(vendorCalls.errorRate * 100)}% of vendor calls failed in the last ${vendorCalls.windowMinutes} min`
        : null,
      vendorCalls && vendorCalls.throttledRate >= 0.1
        ? `${Math.round(vendorCalls.throttledRate * 100)}% of vendor calls throttled (429)`
        : null,
      pollMs && lagSeconds !== null && lagSeconds * 1000 > 3 * pollMs + 60_000
        ? `pull is ${lagSeconds} s behind (polled every ${pollEvery})`
        : null,
      sync?.result?.status && sync.result.status !== 'completed' ? `last sync ${sync.result.status}` : null,
      exceptions ? `${exceptions} open exception${exceptions === 1 ? '' : 's'}` : null,
      ...tokens.map((t) =>
        t.state === 'reconnect-needed'
          ? `reconnect needed: the vendor refused the credentials behind the ${t.name} (${t.error}); authorize the connection again or rotate its secret`
          : t.state === 'failed'
            ? `the ${t.name} could not be had: ${t.error}`
            : null,
      ),
      ...tokens.flatMap((t) => (t.notice ? [t.notice] : [])),
      hydration && (hydration.oldest ?? 0) > 600
        ? `${hydration.pending} notification${hydration.pending === 1 ? '' : 's'} waiting to be fetched, the oldest for ${Math.round(hydration.oldest! / 60)} min`
        : null,
      deadline?.overdue
        ? `${deadline.overdue} order${deadline.overdue === 1 ? '' : 's'} past the marketplace's ship-by time: confirm the shipments now`
        : deadline?.at && deadline.at.getTime() - now < AT_RISK_MS
          ? `order ${deadline.externalId} must be confirmed shipped by ${deadline.at.toISOString()}`
          : null,
      ...(booked.trouble.get(c.id) ?? []),
    ].filter(Boolean);
    return {
      id: c.id,
      connector: c.connector.id,
      capabilities: [...c.connector.capabilities],
      lastDeliveryAt: delivered?.toISOString() ?? null,
      lastPollAt: sync?.lastRunAt?.toISOString() ?? null,
      lastPollStatus: sync?.result?.status ?? null,
      lagSeconds,
      pollEvery,
      openExceptions: exceptions,
      vendorCalls,
      subscription: subscriptionOf(
        c,
        subscriptions.find((s) => s.id === c.id),
      ),
      tokens,
      notifications: hydration
        ? {
            pending: hydration.pending,
            oldestPendingSeconds: hydration.oldest === null ? null : Math.round(hydration.oldest),
            lastHour: {
              fetched: hydration.fetched,
              p50Seconds: hydration.p50 === null ? null : Math.round(hydration.p50 * 10) / 10,
              maxSeconds: hydration.max === null ? null : Math.round(hydration.max * 10) / 10,
            },
          }
        : null,
      shipBy:
        deadline?.at && deadline.orderId && deadline.externalId
          ? {
              next: {
                orderId: deadline.orderId,
                externalId: deadline.externalId,
                at: deadline.at.toISOString(),
              },
              dueWithinDay: deadline.day,
              overdue: deadline.overdue,
            }
          : null,
      authorization: booked.authorization.get(c.id) ?? null,
      books: booked.books.get(c.id) ?? null,
      trouble: trouble.length ? trouble.join('; ') : null,
    };
  });
}

/**
 * A connection's token states: those kept in the store (written by whichever hub process minted last), with
 * this process's own where it has one the store does not show yet (its write is on its way).
 */
function tokensOf(stored: readonly TokenState[], mine: readonly TokenState[]): TokenState[] {
  const names = new Set(stored.map((t) => t.name));
  return [...stored, ...mine.filter((t) => !names.has(t.name))];
}

/** The state of a connection's webhook subscriptions, in words. */
function subscriptionOf(
  c: { id: string; connector: { webhook?: { subscribe?: unknown } } },
  last:
    | { url: string; syncedAt: Date; ok: boolean; result: Record<string, string[]>; error: string | null }
    | undefined,
): string {
  if (!c.connector.webhook) return 'no webhooks (pulled or files)';
  if (!c.connector.webhook.subscribe) {
    return `set up in the vendor's admin: point them at <server.publicUrl>/webhooks/${c.id}`;
  }
  if (!last) return 'never repaired by the hub: repair them to make sure they point here';
  const at = last.syncedAt.toISOString();
  if (!last.ok) return `repair failed at ${at}: ${last.error}`;
  const n = (k: string) => last.result[k]?.length ?? 0;
  return `pointing at ${last.url} since ${at} (${n('created')} created, ${n('updated')} repointed, ${n('unchanged')} already right)`;
}

/** Queues a sync (or, with `backfillSince`, a backfill from that time) of a connection, as a job with progress. */
export async function startSync(
  ctx: OperatorContext,
  connectionId: string,
  options: { backfillSince?: string } = {},
): Promise<Job> {
  requireRole(ctx, 'operator', options.backfillSince ? 'a backfill' : 'a sync');
  const connection = tenantConnection(ctx, connectionId);
  if (!connection.connector.pull) {
    throw new HubError({
      type: 'no-pull',
      title: 'Connection cannot be pulled',
      status: 409,
      detail: `connection "${connectionId}" (${connection.connector.id}) has no pull`,
      fix: 'sync a connection whose connector declares orders.pull',
    });
  }
  let since: Date | undefined;
  if (options.backfillSince !== undefined) {
    since = new Date(options.backfillSince);
    if (!/^\d{4}-\d{2}-\d{2}/.test(options.backfillSince) || Number.isNaN(since.getTime())) {
      throw new HubError({
        type: 'invalid-since',
        title: 'Invalid backfill start',
        status: 400,
        detail: `since "${options.backfillSince.slice(0, 40)}" is not an ISO date or date-time`,
        fix: 'e.g. 2026-01-01 or 2026-01-01T00:00:00Z',
      });
    }
  }
  const kind = since ? BACKFILL_JOB : SYNC_JOB;
  const inProgress = (id: string | undefined) =>
    new HubError({
      type: 'sync-in-progress',
      title: 'A sync is already queued or running',
      status: 409,
      detail: `${id ? `job ${id}` : 'another job'} is already pulling ${connectionId}`,
      fix: id
        ? `follow it at GET /api/v1/jobs/${id}, or cancel it first`
        : 'list the jobs with GET /api/v1/jobs',
    });
  const job = await ctx.hub.sql
    .begin(async (tx) => {
      const [running] = await tx<{ id: string }[]>`
      select id from jobs where tenant_id = ${ctx.by.tenantId} and kind in ${tx([SYNC_JOB, BACKFILL_JOB])}
        and status in ('queued', 'running') and params->>'connectionId' = ${connectionId}
      limit 1`;
      if (running) throw inProgress(running.id);
      const created = await createJob(tx, {
        tenantId: ctx.by.tenantId,
        kind,
        params: { connectionId, ...(since ? { since: since.toISOString() } : {}) },
        createdBy: ctx.by.actor,
      });
      await recordAudit(tx, ctx.by, {
        action: `connection.${kind}`,
        targetType: 'connection',
        targetId: connectionId,
        after: { job: created.id, ...(since ? { since: since.toISOString() } : {}) },
        requestId: ctx.requestId,
      });
      return created;
    })
    .catch((error: unknown) => {
      // Two at once: the unique index (migration 0020) let one through.
      if ((error as { code?: string }).code === '23505') throw inProgress(undefined);
      throw error;
    });
  ctx.nudgeJobs?.();
  return job;
}
