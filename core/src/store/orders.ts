import { isDeepStrictEqual } from 'node:util';
import type { Sql, TransactionSql } from 'postgres';
import { assertTransition, type Order, type OrderDraft, type OrderStatus } from '../order.ts';
import { columns, createOrder, type OrderSource, toOrder } from './new-orders.ts';

/** Who an order came from: applyOrder's callers name it. */
export type { OrderSource } from './new-orders.ts';

export type Db = Sql | TransactionSql;

export type ApplyResult =
  | { result: 'created'; orderId: string; version: number }
  | { result: 'updated'; orderId: string; version: number }
  | { result: 'unchanged'; orderId: string; version: number }
  | { result: 'stale'; orderId: string; version: number };

interface OrderRow {
  id: string;
  version: number;
  status: Order['status'];
  source_updated_at: Date;
  data: Order;
}

function changedKeys(before: Order, after: Order): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  keys.delete('version');
  return [...keys].filter(
    (k) => !isDeepStrictEqual((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k]),
  );
}

/**
 * Creates or updates the canonical order for (tenant, connection, external id),
 * inside the caller's transaction. An older source version never overwrites a newer
 * one; an identical one changes nothing; a status change must be legal (else
 * TransitionError, and the caller records an exception). Every change bumps the
 * version and appends one timeline event. A new order is written by `createOrder`
 * (new-orders.ts), the same statement parts the intake's batch writes through.
 */
export async function applyOrder(
  tx: Db,
  source: OrderSource,
  draft: OrderDraft,
  inboxId: string | null,
): Promise<ApplyResult> {
  const created = await createOrder(tx, source, draft, inboxId);
  if (created) return { result: 'created', orderId: created, version: 1 };

  const [existing] = await tx<OrderRow[]>`
    select id, version, status, source_updated_at, data from orders
    where tenant_id = ${source.tenantId} and connection_id = ${source.connectionId} and external_id = ${draft.externalId}
    for update`;
  if (!existing) throw new Error(`order ${draft.externalId} vanished during update`);
  const current = { orderId: existing.id, version: existing.version };
  const incoming = Date.parse(draft.updatedAt);
  if (incoming < existing.source_updated_at.getTime()) return { result: 'stale', ...current };
  // A summary of the state the hub already has (in full, or in summary) tells it nothing new.
  if (draft.summary && incoming === existing.source_updated_at.getTime())
    return { result: 'unchanged', ...current };

  const version = existing.version + 1;
  if (draft.buyerRedacted) draft = keepBuyerDetails(draft, existing.data);
  // As it will read back from JSONB: keys holding undefined disappear, so an identical resend compares equal.
  const next = JSON.parse(JSON.stringify(toOrder(existing.id, source, draft, version))) as Order;
  const changed = changedKeys(existing.data, next);
  if (changed.length === 0) return { result: 'unchanged', ...current };
  if (existing.status !== draft.status) assertTransition(existing.status, draft.status);

  await tx`
    update orders set ${tx({ ...columns(draft), version, data: tx.json(next as never) })}, updated_at = now()
    where id = ${existing.id}`;
  const statusChange =
    existing.status !== draft.status ? { from: existing.status, to: draft.status } : undefined;
  await tx`
    insert into order_events (order_id, tenant_id, version, type, data, inbox_id)
    values (${existing.id}, ${source.tenantId}, ${version}, ${statusChange ? 'order.status_changed' : 'order.updated'},
            ${tx.json({ changed, ...(statusChange ? { status: statusChange } : {}) })}, ${inboxId})`;
  return { result: 'updated', orderId: existing.id, version };
}

/** The draft with each customer and address field it lacks taken from the stored order (OrderDraft.buyerRedacted). */
function keepBuyerDetails(draft: OrderDraft, stored: Order): OrderDraft {
  const kept = { ...draft };
  for (const part of ['customer', 'shippingAddress', 'billingAddress'] as const) {
    const before = stored[part];
    if (!before) continue;
    const now = Object.fromEntries(
      Object.entries(draft[part] ?? {}).filter(([, v]) => v !== undefined && v !== ''),
    );
    (kept as Record<string, unknown>)[part] = { ...before, ...now };
  }
  return kept;
}

export interface OrderEvent {
  version: number;
  type: string;
  data: Record<string, unknown>;
  inboxId: string | null;
  at: string;
}

/** One order with its timeline, or undefined when the tenant has no such order. */
export async function getOrder(
  sql: Sql,
  tenantId: string,
  orderId: string,
): Promise<{ order: Order; timeline: OrderEvent[] } | undefined> {
  const [row] = await sql<
    { data: Order }[]
  >`select data from orders where tenant_id = ${tenantId} and id = ${orderId}`;
  if (!row) return undefined;
  const events = await sql<(Omit<OrderEvent, 'at'> & { at: Date })[]>`
    select version, type, data, inbox_id as "inboxId", at from order_events
    where order_id = ${orderId} and tenant_id = ${tenantId} order by id`;
  return { order: row.data, timeline: events.map((e) => ({ ...e, at: e.at.toISOString() })) };
}

/** The order's status, as its latest import from the channel gave it (cancelled, on hold, …). */
export async function orderStatusOf(sql: Sql, orderId: string): Promise<OrderStatus> {
  const [row] = await sql<{ status: OrderStatus }[]>`select status from orders where id = ${orderId}`;
  if (!row) throw new Error(`no order ${orderId}`);
  return row.status;
}

/**
 * The marketplace's ship-by deadline is met: the hub has confirmed the order's last shipment on the channel, so
 * connection health and metrics stop counting it at risk before the channel's next import says it shipped.
 */
export async function metShipBy(sql: Sql, orderId: string): Promise<void> {
  await sql`update orders set ship_by = null where id = ${orderId} and ship_by is not null`;
}

/**
 * Records what a workflow did to an order on its timeline (label bought, payment captured, delivered), at the
 * order's current version: workflow events describe effects elsewhere, not a new state of the order.
 */
export async function appendOrderEvent(
  sql: Db,
  event: { orderId: string; type: string; data: Record<string, unknown>; stepKey: string },
): Promise<void> {
  // Keyed by the step: a step run again after a crash (or a replay) writes nothing new.
  const inserted = await sql`
    insert into order_events (order_id, tenant_id, version, type, data, step_key)
    select id, tenant_id, version, ${event.type}, ${sql.json(event.data as never)}, ${event.stepKey}
    from orders where id = ${event.orderId}
    on conflict (order_id, step_key) where step_key is not null do nothing`;
  if (inserted.count > 0) return;
  // Nothing written: recorded before (a step run again), or no such order.
  const [found] = await sql`select 1 from orders where id = ${event.orderId}`;
  if (!found) throw new Error(`no order ${event.orderId} to record ${event.type} on`);
}
