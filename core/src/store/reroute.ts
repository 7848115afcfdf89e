import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';
import {
  type AllocatedLine,
  held,
  levelKey,
  lockAvailable,
  release,
  reserve,
  type Tx,
} from './reservations.ts';
import { byCodeUnits, stockRefusal } from './stock-ledger.ts';

/**
 * An operator's reroute: a planned shipment moved to another location, its units reserved there and released
 * where they were, in one transaction (the caller's, when it audits in it).
 */

/**
 * Moves a planned shipment to another location (an operator's reroute): its units are reserved there and
 * released where they were, in one transaction, or nothing happens. Refused once the carrier's shipment was
 * made (the label's rates are the old place's), and when the new place cannot promise every line.
 */
export async function rerouteShipment(sql: Sql, input: RerouteInput): Promise<Reroute> {
  return sql.begin((tx) => rerouteShipmentIn(tx, input)) as Promise<Reroute>;
}

export interface RerouteInput {
  tenantId: string;
  orderId: string;
  n: number;
  to: string;
  key: string;
  actor?: string;
}

export interface Reroute {
  from: string;
  to: string;
  lines: AllocatedLine[];
}

/** `rerouteShipment` in the caller's transaction (an operator action that audits in the same one). */
export async function rerouteShipmentIn(tx: Tx, input: RerouteInput): Promise<Reroute> {
  {
    const [shipment] = await tx<{ location_id: string; status: string; lines: AllocatedLine[] }[]>`
      select location_id, status, lines from order_shipments
      where order_id = ${input.orderId} and n = ${input.n} and tenant_id = ${input.tenantId} for update`;
    if (!shipment) {
      throw new HubError({
        type: 'not-found',
        title: 'No such shipment',
        status: 404,
        detail: `order ${input.orderId} has no shipment ${input.n}`,
        fix: "read the order's shipments (GET /api/v1/orders/{id}) for their numbers",
      });
    }
    if (shipment.status !== 'planned') {
      throw stockRefusal(
        `shipment ${input.n} is ${shipment.status}: its carrier shipment was made from ${shipment.location_id}`,
        'only a planned shipment moves; void its label first, or cancel the order',
      );
    }
    if (shipment.location_id === input.to) return { from: input.to, to: input.to, lines: shipment.lines };
    const skus = [...new Set(shipment.lines.map((l) => l.sku))].sort(byCodeUnits);
    // The shipment's reservations first, then the balances: the order releases and shipments lock them in.
    const holding = await held(tx, input.orderId, input.n);
    const available = await lockAvailable(
      tx,
      input.tenantId,
      skus,
      [shipment.location_id, input.to].sort(byCodeUnits),
    );
    const need = new Map<string, number>();
    for (const l of shipment.lines) need.set(l.sku, (need.get(l.sku) ?? 0) + l.quantity);
    const short = [...need].filter(([sku, q]) => (available.get(levelKey(sku, input.to)) ?? 0) < q);
    if (short.length) {
      throw stockRefusal(
        `${input.to} cannot promise ${short.map(([sku, q]) => `${q} × ${sku} (has ${available.get(levelKey(sku, input.to)) ?? 0})`).join(', ')}`,
        'choose a location that holds every line of the shipment, or receive stock there first',
      );
    }
    for (const r of holding)
      await release(tx, input.tenantId, input.orderId, r, input.key, `rerouted to ${input.to}`);
    for (const line of shipment.lines) await reserve(tx, input, input.n, input.to, line);
    await tx`update order_shipments set location_id = ${input.to}, updated_at = now()
             where order_id = ${input.orderId} and n = ${input.n}`;
    return { from: shipment.location_id, to: input.to, lines: shipment.lines };
  }
}
