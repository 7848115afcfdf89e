import type postgres from 'postgres';
import type { ResourceReference } from '../connector/index.ts';
import type { Db } from './orders.ts';

/** A thin notification whose resource is still to fetch, as the intake writes it beside the inbox row. */
export interface NewHydration {
  tenantId: string;
  connectionId: string;
  resource: ResourceReference;
}

/** One claimed hydration: the notification's inbox row and the resource it names. */
export interface DueHydration {
  inboxId: string;
  tenantId: string;
  connectionId: string;
  resource: ResourceReference;
  /** Failed fetches so far. */
  attempts: number;
  /** The number of this claim: the fencing token its result is written under (see `Fence`). */
  claim: number;
}

/**
 * Whose result a write is: a claim's number (written only while the row still carries it, so a process whose
 * lease ran out cannot overwrite the result of the process that claimed the row after it), or `replay`, an
 * operator's explicit fetch, which wins whatever claim is current.
 */
export type Fence = { claim: number } | 'replay';

function fenced(sql: Db, fence: Fence): postgres.Fragment {
  return fence === 'replay' ? sql`` : sql`and claim = ${fence.claim}`;
}

/** Records that the notification stored as `inboxId` names a resource to fetch (in the intake's transaction). */
export async function recordHydration(tx: Db, inboxId: string, h: NewHydration): Promise<void> {
  await tx`
    insert into hydrations (inbox_id, tenant_id, connection_id, resource)
    values (${inboxId}, ${h.tenantId}, ${h.connectionId}, ${tx.json(h.resource as never)})
    on conflict (inbox_id) do nothing`;
}

/**
 * A common table expression for the batched intake statement: the hydrations of the deliveries in `rows` (`i`,
 * the delivery's place in the batch) that the relation `stored` (i, id) says were stored.
 */
export function insertHydrations(sql: Db, rows: (NewHydration & { i: number })[]): postgres.Fragment {
  return sql`stored_hydrations as (
      insert into hydrations (inbox_id, tenant_id, connection_id, resource)
      select s.id, x."tenantId", x."connectionId", x.resource
      from jsonb_to_recordset(${sql.json(rows as never)}) as x(i int, "tenantId" text, "connectionId" text, resource jsonb)
      join stored s on s.i = x.i
    )`;
}

/**
 * Claims up to `limit` due hydrations of these connections for `leaseMs`: their due time moves past the lease,
 * so no other hydrator takes them meanwhile, and a claim whose process died comes due again by itself.
 */
export async function claimHydrations(
  sql: Db,
  connectionIds: readonly string[],
  limit: number,
  leaseMs: number,
): Promise<DueHydration[]> {
  if (!connectionIds.length) return [];
  return sql<DueHydration[]>`
    update hydrations h set next_at = now() + make_interval(secs => ${leaseMs / 1000}), claim = h.claim + 1
    from (select inbox_id from hydrations
          where status = 'pending' and next_at <= now() and connection_id = any(${sql.array(connectionIds as string[])})
          order by next_at limit ${limit} for update skip locked) due
    where h.inbox_id = due.inbox_id
    returning h.inbox_id::text as "inboxId", h.tenant_id as "tenantId", h.connection_id as "connectionId",
              h.resource, h.attempts, h.claim::int as claim`;
}

/** How soon the next hydration of these connections is due (ms from now), or undefined when none is pending. */
export async function nextHydrationInMs(
  sql: Db,
  connectionIds: readonly string[],
): Promise<number | undefined> {
  if (!connectionIds.length) return undefined;
  const [row] = await sql<{ ms: number | null }[]>`
    select greatest(0, extract(epoch from min(next_at) - now()) * 1000)::float8 as ms from hydrations
    where status = 'pending' and connection_id = any(${sql.array(connectionIds as string[])})`;
  return row?.ms ?? undefined;
}

/** The hydration of a notification, whatever its status. */
export async function getHydration(
  sql: Db,
  inboxId: string,
): Promise<(DueHydration & { status: 'pending' | 'hydrated' | 'failed' }) | undefined> {
  const [row] = await sql<(DueHydration & { status: 'pending' | 'hydrated' | 'failed' })[]>`
    select inbox_id::text as "inboxId", tenant_id as "tenantId", connection_id as "connectionId", resource,
           attempts, claim::int as claim, status
    from hydrations where inbox_id = ${inboxId}`;
  return row;
}

/**
 * The resource was fetched and stored as `recordInboxId` (null: a duplicate of a record already stored). False
 * when the fence refused the write: the row was claimed again meanwhile and is that claim's to finish.
 */
export async function markHydrated(
  tx: Db,
  inboxId: string,
  recordInboxId: string | null,
  fence: Fence,
): Promise<boolean> {
  const rows = await tx`
    update hydrations set status = 'hydrated', hydrated_at = now(), last_error = null,
      record_inbox_id = ${recordInboxId}
    where inbox_id = ${inboxId} ${fenced(tx, fence)}`;
  return rows.count > 0;
}

/** A fetch failed: try again in `retryInMs`, or give up (`failed`: an exception says so, replay tries again). */
export async function markHydrationFailed(
  tx: Db,
  inboxId: string,
  error: string,
  next: { retryInMs: number } | 'failed',
  fence: { claim: number },
): Promise<boolean> {
  const rows = await tx`
    update hydrations set attempts = attempts + 1, last_error = ${error},
      status = ${next === 'failed' ? 'failed' : 'pending'},
      next_at = now() + make_interval(secs => ${next === 'failed' ? 0 : next.retryInMs / 1000})
    where inbox_id = ${inboxId} and status = 'pending' ${fenced(tx, fence)}`;
  return rows.count > 0;
}

/** Gives a claim back without counting an attempt (the hydrator stopped before its fetch ended). */
export async function releaseHydration(sql: Db, inboxId: string, fence: { claim: number }): Promise<void> {
  await sql`
    update hydrations set next_at = now()
    where inbox_id = ${inboxId} and status = 'pending' ${fenced(sql, fence)}`;
}
