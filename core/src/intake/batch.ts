import { newId } from '../ids.ts';
import type { Sql } from '../store/db.ts';
import { storableDetail, storableText } from '../store/exceptions.ts';
import { insertHydrations } from '../store/hydrations.ts';
import { bytea, heldForRevision } from '../store/inbox.ts';
import { insertNewOrders, type NewOrderRow, newOrderRecordset, newOrderRow } from '../store/new-orders.ts';
import { sourceOf } from './connection.ts';
import type { IntakeOutcome } from './outcome.ts';
import type { PreparedDelivery } from './prepare.ts';

/** A delivery whose key was taken by one that failed, or by another of the same batch: `store` decides. */
export const RECHECK = Symbol('recheck');

/** SQLSTATE of switchyard_abort_unless: the batch was undone and must be stored delivery by delivery. */
export const BATCH_REFUSED = 'SYRTY';

/**
 * One statement for the whole batch: it is atomic by itself, so there is no
 * BEGIN/COMMIT round trip, and on a 2-core machine every round trip costs a
 * scheduling delay. The deliveries, orders and exceptions go in as jsonb
 * recordsets; the first delivery per dedupe key is stored, later ones are duplicates.
 * New orders and their events are written by the store's `insertNewOrders`, as `applyOrder` writes them.
 */
export async function writeBatch(
  sql: Sql,
  deliveries: PreparedDelivery[],
): Promise<(IntakeOutcome | typeof RECHECK)[]> {
  const inbox: Record<string, unknown>[] = [];
  const orders: (NewOrderRow & { i: number })[] = [];
  const exceptions: Record<string, unknown>[] = [];
  /** Each delivery's outcome once its inbox id is known. */
  const planned: ((inboxId: string) => IntakeOutcome)[] = [];

  // Thin notifications' resources to fetch after the answer, stored with their inbox rows (hydrate.ts).
  const hydrations = deliveries.flatMap((d, i) => (d.hydration ? [{ i, ...d.hydration }] : []));
  deliveries.forEach(({ connection, entry, normalized }, i) => {
    inbox.push({
      i,
      tenant_id: entry.tenantId,
      connection_id: entry.connectionId,
      dedupe_key: entry.dedupeKey,
      received_at: entry.receivedAt.toISOString(),
      method: entry.method,
      path: entry.path,
      headers: entry.headers,
      content_type: entry.contentType,
      body: bytea(entry.body).toString('base64'),
      status: !normalized.ok ? 'failed' : normalized.drafts.length ? 'processed' : 'ignored',
    });
    if (!normalized.ok) {
      const exceptionId = newId('exc');
      exceptions.push({
        i,
        id: exceptionId,
        tenant_id: entry.tenantId,
        connection_id: entry.connectionId,
        message: storableText(normalized.message),
        detail: storableDetail(normalized.detail),
      });
      planned.push((inboxId) => ({ status: 'exception', inboxId, exceptionId, message: normalized.message }));
      return;
    }
    if (!normalized.drafts.length) {
      const reason = normalized.ignored ?? 'no orders in payload';
      planned.push((inboxId) => ({ status: 'ignored', inboxId, reason }));
      return;
    }
    const source = sourceOf(connection);
    const created = normalized.drafts.map((draft) => {
      const row = newOrderRow(source, draft);
      orders.push({ i, ...row });
      return { result: 'created' as const, orderId: row.id, version: 1 };
    });
    planned.push((inboxId) => ({ status: 'accepted', inboxId, orders: created }));
  });

  const [row] = await sql<{ stored: [number, string][]; recheck: number[] }[]>`
    with d as (
      select * from jsonb_to_recordset(${sql.json(inbox as never)}) as d(
        i int, tenant_id text, connection_id text, dedupe_key text, received_at timestamptz, method text, path text,
        headers jsonb, content_type text, body text, status text)
    ), firsts as (
      select distinct on (connection_id, dedupe_key) * from d order by connection_id, dedupe_key, i
    ), ib as (
      insert into inbox (tenant_id, connection_id, dedupe_key, received_at, method, path, headers, content_type, body,
                         status, processed_at)
      select tenant_id, connection_id, dedupe_key, received_at, method, path, headers, content_type,
             decode(body, 'base64'), status, now()
      from firsts
      order by connection_id, dedupe_key
      on conflict (connection_id, dedupe_key) do nothing
      returning id, connection_id, dedupe_key
    ), stored as (
      select f.i, ib.id from ib join firsts f using (connection_id, dedupe_key)
    ), recheck as (
      -- Not stored, and not plainly a duplicate: a later twin within this batch (whose first is invisible to this
      -- statement), or a delivery whose key is held with other bytes by one that failed, one a deferred run left
      -- received, or one already revised (perhaps a corrected resend: storeDelivery decides, as storeReceived).
      select d.i from d
      where not exists (select 1 from stored s where s.i = d.i)
        and (not exists (select 1 from firsts f where f.i = d.i) or ${heldForRevision(sql)})
    ), new_orders as (
      -- The orders of the deliveries stored, with the inbox row each came from.
      select x.*, s.id as inbox_id from ${newOrderRecordset(sql, orders)} join stored s on s.i = x.i
    ), ${insertNewOrders(sql)}, ${insertHydrations(sql, hydrations)}, ex as (
      insert into exceptions (id, tenant_id, connection_id, kind, inbox_id, message, detail)
      select x.id, x.tenant_id, x.connection_id, 'normalize', s.id, x.message, x.detail
      from jsonb_to_recordset(${sql.json(exceptions as never)}) as x(
        i int, id text, tenant_id text, connection_id text, message text, detail jsonb)
      join stored s on s.i = x.i
    )
    select coalesce((select jsonb_agg(jsonb_build_array(i, id::text)) from stored), '[]') as stored,
           coalesce((select jsonb_agg(i) from recheck), '[]') as recheck,
           switchyard_abort_unless((select count(*) from created_orders) = (select count(*) from new_orders),
                                   'an order in the batch already exists') as taken`;
  const inboxIds = new Map(row!.stored);
  const recheck = new Set(row!.recheck);
  return planned.map((outcome, i) => {
    const inboxId = inboxIds.get(i);
    if (inboxId !== undefined) return outcome(inboxId);
    return recheck.has(i) ? RECHECK : { status: 'duplicate', dedupeKey: deliveries[i]!.entry.dedupeKey };
  });
}
