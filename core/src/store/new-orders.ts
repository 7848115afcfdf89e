import type postgres from 'postgres';
import { newId } from '../ids.ts';
import type { Order, OrderDraft } from '../order.ts';
import type { Db } from './orders.ts';

/**
 * How a new canonical order is written: its row in `orders` (version 1) and its `order.created` event in
 * `order_events`. The only place that knows those columns; the intake's batch statement (many orders, one
 * statement) and `applyOrder` (one order, inside a delivery's transaction) both write through it.
 */

export interface OrderSource {
  tenantId: string;
  connectionId: string;
  connector: string;
}

/** The indexed columns an order's row keeps beside its JSONB, as the draft gives them (new rows and updates). */
export function columns(draft: OrderDraft) {
  return {
    external_number: draft.externalNumber ?? null,
    status: draft.status,
    currency: draft.currency,
    total_amount: draft.totals.total.amount,
    po_number: draft.b2b?.poNumber ?? null,
    placed_at: draft.placedAt,
    source_updated_at: draft.updatedAt,
    /** Lower-cased: the orders list finds a customer's orders by email whatever its case. */
    customer_email: draft.customer?.email?.toLowerCase() ?? null,
    skus: skusOf(draft),
    ship_by: draft.shipBy ?? null,
  };
}

/** The order's distinct SKUs, sorted (as migration 0017 fills them for older rows); empty when no line has one. */
function skusOf(draft: OrderDraft): string[] {
  const skus = new Set<string>();
  for (const line of draft.lines) if (line.sku !== undefined) skus.add(line.sku);
  return [...skus].sort();
}

export function toOrder(id: string, source: OrderSource, draft: OrderDraft, version: number): Order {
  return {
    id,
    tenantId: source.tenantId,
    source: { connectionId: source.connectionId, connector: source.connector },
    version,
    ...draft,
  };
}

/** A new order's row, under a fresh id; `data` is the canonical order at version 1. */
export function newOrderRow(source: OrderSource, draft: OrderDraft) {
  const id = newId('ord');
  return {
    id,
    tenant_id: source.tenantId,
    connection_id: source.connectionId,
    connector: source.connector,
    external_id: draft.externalId,
    ...columns(draft),
    data: toOrder(id, source, draft, 1),
  };
}

export type NewOrderRow = ReturnType<typeof newOrderRow>;

/**
 * New order rows sent as one jsonb parameter, as a relation `x` with the columns of `NewOrderRow` plus `i`, the
 * caller's index of the delivery each came from.
 */
export function newOrderRecordset(sql: Db, rows: (NewOrderRow & { i: number })[]): postgres.Fragment {
  return sql`jsonb_to_recordset(${sql.json(rows as never)}) as x(
    i int, id text, tenant_id text, connection_id text, connector text, external_id text, external_number text,
    status text, currency text, total_amount bigint, po_number text, placed_at timestamptz,
    source_updated_at timestamptz, customer_email text, skus text[], ship_by timestamptz, data jsonb)`;
}

/**
 * Common table expressions that insert the orders of a relation `new_orders` (the columns of `NewOrderRow`, plus
 * `inbox_id`, the delivery they came from) that the statement defines before them. `created_orders` holds the
 * ids actually inserted: an order whose (tenant, connection, external id) exists already is left alone, and gets
 * no event; the caller tells which by comparing the two.
 */
export function insertNewOrders(sql: Db): postgres.Fragment {
  return sql`created_orders as (
      insert into orders (id, tenant_id, connection_id, connector, external_id, external_number, status, currency,
                          total_amount, po_number, placed_at, source_updated_at, customer_email, skus, ship_by,
                          version, data)
      select id, tenant_id, connection_id, connector, external_id, external_number, status, currency, total_amount,
             po_number, placed_at, source_updated_at, customer_email, skus, ship_by, 1, data
      from new_orders
      order by tenant_id, connection_id, external_id -- one lock order for all batches: no deadlocks between them
      on conflict (tenant_id, connection_id, external_id) do nothing
      returning id
    ), created_events as (
      insert into order_events (order_id, tenant_id, version, type, data, inbox_id)
      select n.id, n.tenant_id, 1, 'order.created', jsonb_build_object('status', n.status), n.inbox_id
      from new_orders n join created_orders c on c.id = n.id
    )`;
}

/**
 * Creates one order at version 1 with its `order.created` event, in one statement; returns its id, or null when
 * the order exists already (nothing is written then). The values are bound one by one, as typed parameters, so
 * PostgreSQL judges them as it judges any single order (a NUL is refused as an invalid byte, not as JSON).
 */
export async function createOrder(
  tx: Db,
  source: OrderSource,
  draft: OrderDraft,
  inboxId: string | null,
): Promise<string | null> {
  const r = newOrderRow(source, draft);
  const [created] = await tx<{ id: string }[]>`
    with new_orders as (
      select ${r.id}::text as id, ${r.tenant_id}::text as tenant_id, ${r.connection_id}::text as connection_id,
             ${r.connector}::text as connector, ${r.external_id}::text as external_id,
             ${r.external_number}::text as external_number, ${r.status}::text as status,
             ${r.currency}::text as currency, ${r.total_amount}::bigint as total_amount,
             ${r.po_number}::text as po_number, ${r.placed_at}::timestamptz as placed_at,
             ${r.source_updated_at}::timestamptz as source_updated_at, ${r.customer_email}::text as customer_email,
             ${tx.array(r.skus)}::text[] as skus, ${r.ship_by}::timestamptz as ship_by,
             ${tx.json(r.data as never)}::jsonb as data,
             ${inboxId}::bigint as inbox_id
    ), ${insertNewOrders(tx)}
    select id from created_orders`;
  return created?.id ?? null;
}
