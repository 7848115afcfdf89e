import type { Sql, TransactionSql } from 'postgres';
import { applyMovement, byCodeUnits } from './stock-ledger.ts';

/**
 * Reservations: the units an order holds at the locations it was routed to. Allocation is atomic: the balances
 * of every SKU the order wants, at every location it may use, are locked in (sku, location) order, the router
 * decides on exactly what they hold, and its shipments are reserved in the same transaction. So 64 orders racing
 * for the last 10 units reserve 10, and no available figure goes below zero. Core knows nothing of routing
 * rules: the caller passes the router (mappings/) as `decide`.
 */

export interface AllocatedLine {
  lineId: string;
  sku: string;
  quantity: number;
}

/** What a router decides, as far as the ledger cares: the shipments, each from one location. */
export interface Allocation {
  shipments: { locationId: string; lines: AllocatedLine[] }[];
}

export interface PlannedShipment {
  n: number;
  locationId: string;
  lines: AllocatedLine[];
}

export interface AllocationResult<D> {
  decision: D;
  /** The shipments this routing made, numbered after the order's earlier ones. */
  shipments: PlannedShipment[];
  /** True when this key had been allocated before (a retried step): nothing was reserved now. */
  again: boolean;
}

export type Tx = TransactionSql;

export const levelKey = (sku: string, locationId: string) => `${sku}\u0000${locationId}`;

/** Locks the balances of `skus` at `locations` and reads what each may still promise. */
export async function lockAvailable(tx: Tx, tenantId: string, skus: string[], locations: string[]) {
  const rows = await tx<{ sku: string; location_id: string; available: string }[]>`
    select sku, location_id, on_hand - reserved - safety_stock as available from stock_levels
    where tenant_id = ${tenantId} and sku = any(${tx.array(skus)}::text[])
      and location_id = any(${tx.array(locations)}::text[])
    order by sku collate "C", location_id collate "C"
    for update`;
  return new Map(rows.map((r) => [levelKey(r.sku, r.location_id), Math.max(0, Number(r.available))]));
}

/**
 * Routes and reserves an order's lines under `key` (the routing step's key): once per key, whatever the retries.
 * `decide` gets the available figure of any (sku, location) among those locked and returns the decision; its
 * shipments are reserved, stored as the order's next shipments, and the decision kept in order_routings.
 */
export async function allocateStock<D extends Allocation>(
  sql: Sql,
  input: {
    tenantId: string;
    orderId: string;
    key: string;
    skus: readonly string[];
    locations: readonly string[];
    decide(available: (sku: string, locationId: string) => number): D;
  },
): Promise<AllocationResult<D>> {
  return sql.begin(async (tx) => {
    const [done] = await tx<
      { decision: D }[]
    >`select decision from order_routings where key = ${input.key} for update`;
    if (done) {
      const shipments = await shipmentsOf(tx, input.key);
      if (shipments.length) return { decision: done.decision, shipments, again: true };
      // A decision that shipped nothing reserved nothing: run again (a replay after stock came or the locations
      // changed), it is decided anew.
      await tx`delete from order_routings where key = ${input.key}`;
    }
    const skus = [...new Set(input.skus)].sort(byCodeUnits);
    const locations = [...new Set(input.locations)].sort(byCodeUnits);
    const available = await lockAvailable(tx, input.tenantId, skus, locations);
    const decision = input.decide((sku, location) => available.get(levelKey(sku, location)) ?? 0);
    await tx`
      insert into order_routings (key, tenant_id, order_id, decision)
      values (${input.key}, ${input.tenantId}, ${input.orderId}, ${tx.json(decision as never)})`;
    const [counted] = await tx<{ last: number }[]>`
      select coalesce(max(n), 0)::int as last from order_shipments where order_id = ${input.orderId}`;
    const last = counted?.last ?? 0;
    const shipments = decision.shipments.map((s, i) => ({ n: last + i + 1, ...s }));
    // Reserve in (sku, location) order, the order the rows were locked in.
    const holds = shipments
      .flatMap((s) => s.lines.map((line) => ({ n: s.n, locationId: s.locationId, line })))
      .sort((a, b) => byCodeUnits(a.line.sku, b.line.sku) || byCodeUnits(a.locationId, b.locationId));
    for (const { n, locationId, line } of holds) await reserve(tx, input, n, locationId, line);
    for (const s of shipments) {
      await tx`
        insert into order_shipments (order_id, n, tenant_id, routing_key, location_id, lines)
        values (${input.orderId}, ${s.n}, ${input.tenantId}, ${input.key}, ${s.locationId}, ${tx.json(s.lines as never)})`;
    }
    return { decision, shipments, again: false };
  }) as Promise<AllocationResult<D>>;
}

export async function reserve(
  tx: Tx,
  at: { tenantId: string; orderId: string; key: string },
  n: number,
  locationId: string,
  line: AllocatedLine,
) {
  const [level] = await tx<{ available: string }[]>`
    select on_hand - reserved - safety_stock as available from stock_levels
    where tenant_id = ${at.tenantId} and sku = ${line.sku} and location_id = ${locationId} for update`;
  if (!level || Number(level.available) < line.quantity) {
    // The router was given these figures: reserving past them is a bug in the router, never an oversell.
    throw new Error(
      `routing reserved ${line.quantity} × ${line.sku} at ${locationId}, which has ${level?.available ?? 0} to promise`,
    );
  }
  await tx`
    insert into stock_reservations (tenant_id, order_id, shipment_n, line_id, sku, location_id, quantity)
    values (${at.tenantId}, ${at.orderId}, ${n}, ${line.lineId}, ${line.sku}, ${locationId}, ${line.quantity})
    on conflict (order_id, shipment_n, line_id, location_id)
    do update set quantity = stock_reservations.quantity + excluded.quantity`;
  await applyMovement(tx, {
    tenantId: at.tenantId,
    sku: line.sku,
    locationId,
    kind: 'reservation',
    quantity: line.quantity,
    change: { onHand: 0, reserved: line.quantity },
    sourceRef: at.orderId,
    idempotencyKey: `${at.key}:${n}:${line.lineId}:${locationId}`,
  });
}

async function shipmentsOf(tx: Tx | Sql, key: string): Promise<PlannedShipment[]> {
  const rows = await tx<{ n: number; location_id: string; lines: AllocatedLine[] }[]>`
    select n, location_id, lines from order_shipments where routing_key = ${key} order by n`;
  return rows.map((r) => ({ n: r.n, locationId: r.location_id, lines: r.lines }));
}

interface HeldRow {
  id: string;
  sku: string;
  location_id: string;
  line_id: string;
  quantity: string;
  shipped: string;
  released: string;
}

/** The order's reservations still holding units (of one shipment, when `n` is given), locked. */
export async function held(tx: Tx, orderId: string, n?: number) {
  const rows = await tx<HeldRow[]>`
    select id, sku, location_id, line_id, quantity, shipped, released from stock_reservations
    where order_id = ${orderId} ${n === undefined ? tx`` : tx`and shipment_n = ${n}`}
    order by sku collate "C", location_id collate "C", id for update`;
  return rows.map((r) => ({
    id: r.id,
    sku: r.sku,
    locationId: r.location_id,
    lineId: r.line_id,
    open: Number(r.quantity) - Number(r.shipped) - Number(r.released),
    shipped: Number(r.shipped),
  }));
}

export async function release(
  tx: Tx,
  tenantId: string,
  orderId: string,
  r: { id: string; sku: string; locationId: string; open: number },
  key: string,
  reason: string,
) {
  if (r.open <= 0) return;
  await tx`update stock_reservations set released = released + ${r.open} where id = ${r.id}`;
  await applyMovement(tx, {
    tenantId,
    sku: r.sku,
    locationId: r.locationId,
    kind: 'release',
    quantity: r.open,
    change: { onHand: 0, reserved: -r.open },
    reason,
    sourceRef: orderId,
    idempotencyKey: `${key}:${r.id}:release`,
  });
}

/** Releases what the order (or one of its shipments) still holds: a cancellation, a line cancelled. */
export async function releaseStock(
  sql: Sql,
  input: { tenantId: string; orderId: string; key: string; reason: string; n?: number },
): Promise<number> {
  return sql.begin(async (tx) => {
    let units = 0;
    for (const r of await held(tx, input.orderId, input.n)) {
      units += Math.max(0, r.open);
      await release(tx, input.tenantId, input.orderId, r, input.key, input.reason);
    }
    if (input.n === undefined) {
      await tx`update order_shipments set status = 'cancelled', updated_at = now()
               where order_id = ${input.orderId} and status in ('planned', 'rated')`;
    }
    return units;
  }) as Promise<number>;
}

/**
 * A shipment left: what it carries is taken from the shelf and from the reservation; what the shipment
 * reserved and does not carry is released. Keyed by the step: run again, it changes nothing.
 */
export async function shipStock(
  sql: Sql,
  input: {
    tenantId: string;
    orderId: string;
    n: number;
    key: string;
    lines: { lineId: string; quantity: number }[];
  },
): Promise<{ shipped: number; released: number }> {
  return sql.begin(async (tx) => {
    const left = new Map(input.lines.map((l) => [l.lineId, l.quantity]));
    let shipped = 0;
    let released = 0;
    for (const r of await held(tx, input.orderId, input.n)) {
      const take = Math.min(r.open, left.get(r.lineId) ?? 0);
      if (take > 0) {
        left.set(r.lineId, (left.get(r.lineId) ?? 0) - take);
        await coverShortCount(tx, input, r, take);
        const moved = await applyMovement(tx, {
          tenantId: input.tenantId,
          sku: r.sku,
          locationId: r.locationId,
          kind: 'shipment',
          quantity: take,
          change: { onHand: -take, reserved: -take },
          sourceRef: input.orderId,
          idempotencyKey: `${input.key}:${r.id}:ship`,
        });
        if (moved) await tx`update stock_reservations set shipped = shipped + ${take} where id = ${r.id}`;
        shipped += take;
      }
      if (r.open - take > 0) {
        released += r.open - take;
        await release(
          tx,
          input.tenantId,
          input.orderId,
          { ...r, open: r.open - take },
          input.key,
          'shipped less than reserved',
        );
      }
    }
    await tx`update order_shipments set status = 'shipped', updated_at = now()
             where order_id = ${input.orderId} and n = ${input.n}`;
    return { shipped, released };
  }) as Promise<{ shipped: number; released: number }>;
}

/**
 * A count found fewer units than were reserved, and the label shipped them anyway: the parcel is the proof, so
 * the count was short. The difference is put back with an adjustment that says so (keyed by the shipment), so
 * the shelf never goes below zero and the ledger stays whole.
 */
async function coverShortCount(
  tx: Tx,
  input: { tenantId: string; orderId: string; key: string },
  r: { id: string; sku: string; locationId: string },
  take: number,
) {
  const [level] = await tx<{ on_hand: string }[]>`
    select on_hand from stock_levels
    where tenant_id = ${input.tenantId} and sku = ${r.sku} and location_id = ${r.locationId} for update`;
  const onHand = Number(level?.on_hand ?? 0);
  if (onHand >= take) return;
  await applyMovement(tx, {
    tenantId: input.tenantId,
    sku: r.sku,
    locationId: r.locationId,
    kind: 'adjustment',
    quantity: take - onHand,
    reason: `a shipment carried ${take} where the shelf counted ${onHand}: the count was short`,
    sourceRef: input.orderId,
    idempotencyKey: `${input.key}:${r.id}:short`,
  });
}

/**
 * Undoes a shipment's `shipStock` (its label voided before the parcel left): the units go back on the shelf
 * and back into the reservation, which the order's release then frees.
 */
export async function unshipStock(
  sql: Sql,
  input: { tenantId: string; orderId: string; n: number; key: string },
): Promise<number> {
  return sql.begin(async (tx) => {
    let units = 0;
    for (const r of await held(tx, input.orderId, input.n)) {
      if (r.shipped <= 0) continue;
      const moved = await applyMovement(tx, {
        tenantId: input.tenantId,
        sku: r.sku,
        locationId: r.locationId,
        kind: 'shipment',
        quantity: -r.shipped,
        change: { onHand: r.shipped, reserved: r.shipped },
        reason: 'label voided: the parcel did not leave',
        sourceRef: input.orderId,
        idempotencyKey: `${input.key}:${r.id}:unship`,
      });
      if (moved) {
        await tx`update stock_reservations set shipped = shipped - ${r.shipped} where id = ${r.id}`;
        units += r.shipped;
      }
    }
    await tx`update order_shipments set status = 'planned', updated_at = now()
             where order_id = ${input.orderId} and n = ${input.n} and status = 'shipped'`;
    return units;
  }) as Promise<number>;
}

/** Where a shipment leaves from now (an operator may have moved it), for the shipping steps. */
export async function shipmentLocation(sql: Sql, orderId: string, n: number): Promise<string | undefined> {
  const [row] = await sql<{ location_id: string }[]>`
    select location_id from order_shipments where order_id = ${orderId} and n = ${n}`;
  return row?.location_id;
}

/**
 * The carrier shipment of a planned shipment was made from `locationId`: it can no longer be moved. False when
 * it was moved elsewhere meanwhile (the carrier must be asked again, from the new place).
 */
export async function markShipmentRated(
  sql: Sql,
  orderId: string,
  n: number,
  locationId: string,
): Promise<boolean> {
  const rows = await sql`update order_shipments set status = 'rated', updated_at = now()
            where order_id = ${orderId} and n = ${n} and location_id = ${locationId} and status in ('planned', 'rated')`;
  return rows.count > 0;
}
