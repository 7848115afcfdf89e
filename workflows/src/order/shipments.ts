import type { Order, ShipAddress } from '@switchyard/core';
import type { FulfillmentPlan } from '../plan.ts';

/**
 * One parcel's worth of the order, shipped from one place: an unrouted order is one shipment of all its
 * remaining lines from the plan's `shipFrom`; a routed one is a shipment per location the router chose (and
 * more when a backorder ships later). The shipping steps run once per element.
 */
export interface Shipment {
  /** 1, 2, …: the first shipment's steps keep the keys of a single-shipment order (`create-shipment`). */
  n: number;
  /** Unrouted: the plan's ship-from. Routed: the location's address when routed (create-shipment reads it again). */
  from: ShipAddress;
  /** The location it was routed to (an operator may move it before its carrier shipment is made). */
  locationId?: string;
  lines: { lineId: string; quantity: number }[];
  /** From the lines' weights; 0 when they carry none (the plan's default parcel is used). */
  weightGrams: number;
}

/**
 * The key of a shipping step for a shipment: the step's own key for the first (so in-flight workflows and the
 * idempotency keys vendors already have stay the same), `<key>#<n>` for the n-th.
 */
export const shipmentKey = (key: string, shipment: Pick<Shipment, 'n'>) =>
  shipment.n === 1 ? key : `${key}#${shipment.n}`;

/** What is left to ship of the order, as shipments. */
export function shipmentsOf(order: Order, plan: FulfillmentPlan): Shipment[] {
  const remaining = order.lines
    .map((l) => ({ line: l, quantity: l.quantity.ordered - l.quantity.fulfilled - l.quantity.cancelled }))
    .filter((x) => x.quantity > 0);
  return [
    {
      n: 1,
      from: plan.shipFrom!,
      lines: remaining.map((x) => ({ lineId: x.line.id, quantity: x.quantity })),
      weightGrams: remaining.reduce((g, x) => g + (x.line.weightGrams ?? 0) * x.quantity, 0),
    },
  ];
}

/** What is left to ship of the order, line by line with its SKU: what routing allocates. */
export function linesToRoute(order: Order) {
  return order.lines
    .map((l) => ({
      lineId: l.id,
      sku: l.sku ?? '',
      quantity: l.quantity.ordered - l.quantity.fulfilled - l.quantity.cancelled,
    }))
    .filter((l) => l.quantity > 0);
}

/** A routed shipment as the shipping steps take it. */
export function routedShipment(
  order: Order,
  plan: FulfillmentPlan,
  planned: { n: number; locationId: string; lines: { lineId: string; quantity: number }[] },
): Shipment {
  const location = plan.routing?.locations.find((l) => l.id === planned.locationId);
  const weightOf = (lineId: string) => order.lines.find((l) => l.id === lineId)?.weightGrams ?? 0;
  return {
    n: planned.n,
    from: location?.address ?? plan.shipFrom!,
    locationId: planned.locationId,
    lines: planned.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity })),
    weightGrams: planned.lines.reduce((g, l) => g + weightOf(l.lineId) * l.quantity, 0),
  };
}

/** The order's shipping address as carriers take it (validated before: line1, city, postal code, country). */
export function shipTo(order: Order): ShipAddress {
  const a = order.shippingAddress!;
  return {
    ...(a.name ? { name: a.name } : {}),
    ...(a.company ? { company: a.company } : {}),
    street1: a.line1!,
    ...(a.line2 ? { street2: a.line2 } : {}),
    city: a.city!,
    ...(a.region ? { state: a.region } : {}),
    zip: a.postalCode!,
    country: a.country!,
    ...(a.phone ? { phone: a.phone } : {}),
    ...(a.email ? { email: a.email } : {}),
  };
}
