import { idOf } from './json.ts';
import type { ShopMoney } from './map-money.ts';
import { present, type ShopifyOrder } from './shopify-order.ts';

/** Per line id: how many shipped, came back (returned) and were removed before shipping (cancelled). */
interface LineQuantities {
  shipped: Map<string, number>;
  returned: Map<string, number>;
  cancelled: Map<string, number>;
  /** A bulk export's fulfillments or refunds came without lines: the lines' own counters were read instead. */
  fromCounters: boolean;
}

/** Quantities per line from the fulfillments and refunds Shopify embeds in the order. */
export function lineQuantities(o: ShopifyOrder): LineQuantities {
  const shipped = new Map<string, number>();
  for (const f of o.fulfillments ?? []) {
    if (f.status === 'cancelled' || f.status === 'failure' || f.status === 'error') continue;
    for (const l of f.line_items ?? []) {
      const id = idOf(l);
      if (id) shipped.set(id, (shipped.get(id) ?? 0) + l.quantity);
    }
  }
  // A bulk export's fulfillments and refunds come without their lines (null): the lines' own counters say instead,
  // where a line removed after it shipped counts as cancelled, not returned.
  const lineless = (
    list: { line_items?: unknown; refund_line_items?: unknown }[] | null | undefined,
    key: string,
  ) => (list ?? []).some((x) => (x as Record<string, unknown>)[key] === null);
  const shippedFromCounters = lineless(o.fulfillments, 'line_items');
  if (shippedFromCounters) {
    for (const li of o.line_items) {
      const id = idOf(li);
      if (id && li.fulfilled_quantity != null) shipped.set(id, li.fulfilled_quantity);
    }
  }
  const returned = new Map<string, number>();
  const cancelled = new Map<string, number>();
  const removedFromCounters = lineless(o.refunds, 'refund_line_items');
  if (removedFromCounters) {
    for (const li of o.line_items) {
      const id = idOf(li);
      if (id && li.removed_quantity) cancelled.set(id, li.removed_quantity);
    }
  }
  for (const r of o.refunds ?? []) {
    for (const l of r.refund_line_items ?? []) {
      const id = l.line_item_id === null || l.line_item_id === undefined ? undefined : String(l.line_item_id);
      if (!id) continue;
      // A return brings shipped goods back; a cancel removes unshipped ones; no_restock and legacy_restock
      // are either, depending on whether the line had shipped.
      const wasShipped =
        l.restock_type === 'return' || (l.restock_type !== 'cancel' && (shipped.get(id) ?? 0) > 0);
      const into = wasShipped ? returned : cancelled;
      into.set(id, (into.get(id) ?? 0) + l.quantity);
    }
  }
  return { shipped, returned, cancelled, fromCounters: shippedFromCounters || removedFromCounters };
}

/** The order's lines, with their quantities, unit prices, discounts and taxes in shop money. */
export function mapLines(o: ShopifyOrder, q: LineQuantities, money: ShopMoney) {
  const { m, allocations, taxes } = money;
  return o.line_items.map((li, i) => {
    const id = idOf(li) ?? String(i + 1);
    const lineShipped = Math.min(q.shipped.get(id) ?? 0, li.quantity);
    return {
      id,
      ...(idOf(li) ? { externalId: id } : {}),
      ...(present(li.sku) ? { sku: li.sku } : {}),
      title: li.name ?? li.title ?? `line ${i + 1}`,
      quantity: {
        ordered: li.quantity,
        fulfilled: lineShipped,
        shipped: lineShipped,
        cancelled: Math.min(q.cancelled.get(id) ?? 0, li.quantity),
        returned: Math.min(q.returned.get(id) ?? 0, li.quantity),
      },
      unitPrice: m(li.price_set, li.price, `line_items[${i}].price`),
      discounts: allocations(li.discount_allocations, `line_items[${i}]`),
      taxLines: taxes(li.tax_lines, `line_items[${i}]`),
      giftCard: li.gift_card ?? false,
      // REST and webhook line items carry the unit's weight in grams (0 when the product has none).
      ...(typeof li.grams === 'number' && li.grams > 0 ? { weightGrams: Math.round(li.grams) } : {}),
    };
  });
}

/** The shipping lines: the carrier is Shopify's carrier identifier, else the rate's source. */
export function mapShippingLines(o: ShopifyOrder, money: ShopMoney) {
  const { m, allocations, taxes } = money;
  return (o.shipping_lines ?? []).map((s, i) => ({
    code: s.code ?? s.title ?? 'shipping',
    ...(present(s.title) ? { title: s.title } : {}),
    ...(present(s.carrier_identifier) || present(s.source)
      ? { carrier: (s.carrier_identifier ?? s.source)! }
      : {}),
    price: m(s.price_set, s.price, `shipping_lines[${i}].price`),
    discounts: allocations(s.discount_allocations, `shipping_lines[${i}]`),
    taxLines: taxes(s.tax_lines, `shipping_lines[${i}]`),
  }));
}

const SHIPMENT_STATUS: Record<string, 'pending' | 'in_transit' | 'delivered' | 'exception'> = {
  label_printed: 'pending',
  label_purchased: 'pending',
  confirmed: 'pending',
  ready_for_pickup: 'in_transit',
  in_transit: 'in_transit',
  out_for_delivery: 'in_transit',
  attempted_delivery: 'exception',
  failure: 'exception',
  delivered: 'delivered',
};

/** The fulfillments with their tracking and the quantities of each line they carry. */
export function mapFulfillments(o: ShopifyOrder) {
  return (o.fulfillments ?? []).map((f, i) => {
    const id = idOf(f) ?? `fulfillment-${i + 1}`;
    return {
      id,
      ...(idOf(f) ? { externalId: id } : {}),
      status:
        f.status === 'cancelled'
          ? ('cancelled' as const)
          : (SHIPMENT_STATUS[f.shipment_status ?? ''] ?? ('in_transit' as const)),
      lines: (f.line_items ?? [])
        .filter((l) => idOf(l) && l.quantity > 0)
        .map((l) => ({ lineId: idOf(l)!, quantity: l.quantity })),
      ...(present(f.tracking_company) ? { carrier: f.tracking_company } : {}),
      trackingNumbers: f.tracking_numbers ?? [],
      trackingUrls: f.tracking_urls ?? [],
      ...(present(f.created_at) ? { shippedAt: f.created_at } : {}),
    };
  });
}
