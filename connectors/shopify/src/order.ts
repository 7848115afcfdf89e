import {
  type Address,
  type Adjustment,
  computeTotals,
  type Discount,
  formatMoney,
  type Money,
  type OrderDraftInput,
  parseMoney,
  type TaxLine,
} from '@switchyard/core';
import { z } from 'zod';
import { idOf } from './json.ts';

/**
 * The parts of a Shopify order (webhook body or REST Admin order) the hub reads.
 * Unknown fields are ignored and optional ones may be missing or null: Shopify adds
 * fields between API versions, and a field it drops must not break the intake.
 */
const Id = z.union([z.string(), z.number()]);
const Amount = z.union([z.string(), z.number()]);
const MoneySet = z.object({ shop_money: z.object({ amount: Amount, currency_code: z.string() }) }).nullish();
const Text = z.string().nullish();

const TaxLineIn = z.object({
  title: Text,
  rate: z.union([z.number(), z.string()]).nullish(),
  price: Amount.nullish(),
  price_set: MoneySet,
});
const AllocationIn = z.object({ amount: Amount.nullish(), amount_set: MoneySet });

const AddressIn = z
  .object({
    name: Text,
    first_name: Text,
    last_name: Text,
    company: Text,
    address1: Text,
    address2: Text,
    city: Text,
    province: Text,
    province_code: Text,
    zip: Text,
    country_code: Text,
    phone: Text,
  })
  .nullish();

const LineItemIn = z.object({
  id: Id.nullish(),
  admin_graphql_api_id: Text,
  sku: Text,
  name: Text,
  title: Text,
  quantity: z.number().int(),
  current_quantity: z.number().int().nullish(),
  /** Set from a bulk export, whose fulfillments and refunds carry no lines: shipped and removed quantities. */
  fulfilled_quantity: z.number().int().nullish(),
  removed_quantity: z.number().int().nullish(),
  price: Amount.nullish(),
  price_set: MoneySet,
  gift_card: z.boolean().nullish(),
  grams: z.number().nullish(),
  tax_lines: z.array(TaxLineIn).nullish(),
  discount_allocations: z.array(AllocationIn).nullish(),
});

const ShippingLineIn = z.object({
  code: Text,
  title: Text,
  source: Text,
  carrier_identifier: Text,
  price: Amount.nullish(),
  price_set: MoneySet,
  tax_lines: z.array(TaxLineIn).nullish(),
  discount_allocations: z.array(AllocationIn).nullish(),
});

const FulfillmentIn = z.object({
  id: Id.nullish(),
  admin_graphql_api_id: Text,
  status: Text,
  shipment_status: Text,
  created_at: Text,
  tracking_company: Text,
  tracking_numbers: z.array(z.string()).nullish(),
  tracking_urls: z.array(z.string()).nullish(),
  line_items: z
    .array(z.object({ id: Id.nullish(), admin_graphql_api_id: Text, quantity: z.number().int() }))
    .nullish(),
});

const RefundIn = z.object({
  id: Id.nullish(),
  admin_graphql_api_id: Text,
  created_at: Text,
  note: Text,
  /** The amount refunded in shop money (GraphQL `totalRefundedSet`); else the transactions say. */
  total_refunded_set: MoneySet,
  refund_line_items: z
    .array(
      z.object({
        line_item_id: Id.nullish(),
        quantity: z.number().int(),
        restock_type: Text,
        subtotal_set: MoneySet,
        total_tax_set: MoneySet,
      }),
    )
    .nullish(),
  transactions: z
    .array(z.object({ kind: Text, status: Text, amount: Amount.nullish(), currency: Text }))
    .nullish(),
});

export const ShopifyOrder = z.object({
  id: Id.nullish(),
  admin_graphql_api_id: Text,
  name: Text,
  created_at: z.string(),
  updated_at: Text,
  cancelled_at: Text,
  currency: z.string().length(3),
  presentment_currency: Text,
  email: Text,
  phone: Text,
  note: Text,
  tags: Text,
  po_number: Text,
  taxes_included: z.boolean().nullish(),
  financial_status: Text,
  fulfillment_status: Text,
  payment_gateway_names: z.array(z.string()).nullish(),
  total_discounts: Amount.nullish(),
  total_discounts_set: MoneySet,
  total_price: Amount.nullish(),
  total_price_set: MoneySet,
  total_tip_received: Amount.nullish(),
  total_outstanding: Amount.nullish(),
  original_total_duties_set: MoneySet,
  original_total_additional_fees_set: MoneySet,
  customer: z
    .object({
      id: Id.nullish(),
      admin_graphql_api_id: Text,
      email: Text,
      phone: Text,
      first_name: Text,
      last_name: Text,
    })
    .nullish(),
  company: z.object({ id: Id.nullish(), location_id: Id.nullish() }).nullish(),
  billing_address: AddressIn,
  shipping_address: AddressIn,
  line_items: z.array(LineItemIn).min(1),
  shipping_lines: z.array(ShippingLineIn).nullish(),
  fulfillments: z.array(FulfillmentIn).nullish(),
  refunds: z.array(RefundIn).nullish(),
  note_attributes: z.array(z.object({ name: z.string(), value: z.unknown() })).nullish(),
});
export type ShopifyOrder = z.infer<typeof ShopifyOrder>;

const present = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined && v !== '';

function address(a: z.infer<typeof AddressIn>): Address | undefined {
  if (!a) return undefined;
  const name = a.name ?? ([a.first_name, a.last_name].filter(present).join(' ') || undefined);
  const out: Address = {
    name: name ?? undefined,
    company: a.company ?? undefined,
    line1: a.address1 ?? undefined,
    line2: a.address2 ?? undefined,
    city: a.city ?? undefined,
    region: a.province_code ?? a.province ?? undefined,
    postalCode: a.zip ?? undefined,
    country: a.country_code?.toUpperCase() ?? undefined,
    phone: a.phone ?? undefined,
  };
  return Object.values(out).some(present) ? out : undefined;
}

function status(o: ShopifyOrder): OrderDraftInput['status'] {
  if (o.cancelled_at) return 'cancelled';
  if (o.fulfillment_status === 'fulfilled') return 'shipped';
  if (o.fulfillment_status === 'partial') return 'partially_shipped';
  return 'placed';
}

const PAYMENT_STATUS: Record<
  string,
  'pending' | 'authorized' | 'captured' | 'partially_refunded' | 'refunded' | 'voided'
> = {
  pending: 'pending',
  authorized: 'authorized',
  partially_paid: 'captured',
  paid: 'captured',
  partially_refunded: 'partially_refunded',
  refunded: 'refunded',
  voided: 'voided',
};

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

/** Maps one Shopify order to a canonical draft, in shop money; throws (with the reason) when it cannot. */
export function mapOrder(o: ShopifyOrder): OrderDraftInput {
  const currency = o.currency.toUpperCase();
  const m = (
    set: z.infer<typeof MoneySet>,
    fallback: string | number | null | undefined,
    where: string,
  ): Money => {
    if (set?.shop_money) return parseMoney(set.shop_money.amount, set.shop_money.currency_code.toUpperCase());
    if (present(fallback)) return parseMoney(fallback, currency);
    throw new Error(`${where} has no amount`);
  };
  const taxes = (list: z.infer<typeof TaxLineIn>[] | null | undefined, where: string): TaxLine[] =>
    (list ?? []).map((t, i) => ({
      title: t.title ?? 'Tax',
      ...(present(t.rate) ? { rate: String(t.rate) } : {}),
      amount: m(t.price_set, t.price, `${where}.tax_lines[${i}]`),
    }));
  const allocations = (list: z.infer<typeof AllocationIn>[] | null | undefined, where: string): Discount[] =>
    (list ?? []).map((d, i) => ({
      amount: m(d.amount_set, d.amount, `${where}.discount_allocations[${i}]`),
    }));

  const externalId = idOf(o);
  if (!externalId) throw new Error('the order has neither an exact id nor an admin_graphql_api_id');

  // Quantities per line from the fulfillments and refunds Shopify embeds in the order.
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

  const lines = o.line_items.map((li, i) => {
    const id = idOf(li) ?? String(i + 1);
    const lineShipped = Math.min(shipped.get(id) ?? 0, li.quantity);
    return {
      id,
      ...(idOf(li) ? { externalId: id } : {}),
      ...(present(li.sku) ? { sku: li.sku } : {}),
      title: li.name ?? li.title ?? `line ${i + 1}`,
      quantity: {
        ordered: li.quantity,
        fulfilled: lineShipped,
        shipped: lineShipped,
        cancelled: Math.min(cancelled.get(id) ?? 0, li.quantity),
        returned: Math.min(returned.get(id) ?? 0, li.quantity),
      },
      unitPrice: m(li.price_set, li.price, `line_items[${i}].price`),
      discounts: allocations(li.discount_allocations, `line_items[${i}]`),
      taxLines: taxes(li.tax_lines, `line_items[${i}]`),
      giftCard: li.gift_card ?? false,
      // REST and webhook line items carry the unit's weight in grams (0 when the product has none).
      ...(typeof li.grams === 'number' && li.grams > 0 ? { weightGrams: Math.round(li.grams) } : {}),
    };
  });

  const shippingLines = (o.shipping_lines ?? []).map((s, i) => ({
    code: s.code ?? s.title ?? 'shipping',
    ...(present(s.title) ? { title: s.title } : {}),
    ...(present(s.carrier_identifier) || present(s.source)
      ? { carrier: (s.carrier_identifier ?? s.source)! }
      : {}),
    price: m(s.price_set, s.price, `shipping_lines[${i}].price`),
    discounts: allocations(s.discount_allocations, `shipping_lines[${i}]`),
    taxLines: taxes(s.tax_lines, `shipping_lines[${i}]`),
  }));

  // Shopify allocates discounts to lines and shipping; whatever total_discounts says beyond that is order-level.
  const allocated = [
    ...lines.flatMap((l) => l.discounts),
    ...shippingLines.flatMap((s) => s.discounts),
  ].reduce((sum, d) => sum + d.amount.amount, 0);
  const totalDiscounts =
    present(o.total_discounts) || o.total_discounts_set
      ? m(o.total_discounts_set, o.total_discounts, 'total_discounts')
      : undefined;
  const unallocated = totalDiscounts ? totalDiscounts.amount - allocated : 0;
  const discounts =
    unallocated > 0 ? [{ title: 'Order discount', amount: { amount: unallocated, currency } }] : [];

  const adjustments: Adjustment[] = [];
  const addAdjustment = (kind: Adjustment['kind'], title: string, amount: Money | undefined) => {
    if (amount && amount.amount !== 0) adjustments.push({ kind, title, amount, taxLines: [] });
  };
  addAdjustment(
    'tip',
    'Tip',
    present(o.total_tip_received) ? parseMoney(o.total_tip_received, currency) : undefined,
  );
  addAdjustment(
    'duty',
    'Duties',
    o.original_total_duties_set ? m(o.original_total_duties_set, null, 'duties') : undefined,
  );
  addAdjustment(
    'fee',
    'Additional fees',
    o.original_total_additional_fees_set ? m(o.original_total_additional_fees_set, null, 'fees') : undefined,
  );

  const financial = o.financial_status ? PAYMENT_STATUS[o.financial_status] : undefined;
  const refunds = (o.refunds ?? []).map((r, i) => {
    const id = idOf(r) ?? `refund-${i + 1}`;
    // Refund transactions are in the buyer's (presentment) currency; the order is kept in shop money.
    const paid = (r.transactions ?? []).filter(
      (t) => t.kind === 'refund' && (t.status ?? 'success') === 'success' && present(t.amount),
    );
    let amount: number;
    if (r.total_refunded_set) {
      amount = m(r.total_refunded_set, null, `refunds[${i}].total_refunded`).amount;
    } else if (paid.every((t) => (t.currency ?? currency).toUpperCase() === currency)) {
      amount = paid.reduce((sum, t) => sum + parseMoney(t.amount!, currency).amount, 0);
    } else {
      const items = (r.refund_line_items ?? []).filter((l) => l.subtotal_set);
      if (!items.length) {
        throw new Error(
          `refund ${id} is in ${paid[0]?.currency}, the shop's currency is ${currency}, and it carries no shop-money amounts`,
        );
      }
      amount = items.reduce(
        (sum, l, j) =>
          sum +
          m(l.subtotal_set, null, `refunds[${i}].refund_line_items[${j}].subtotal`).amount +
          (l.total_tax_set ? m(l.total_tax_set, null, 'tax').amount : 0),
        0,
      );
    }
    return {
      id,
      ...(idOf(r) ? { externalId: id } : {}),
      amount: { amount, currency },
      ...(present(r.note) ? { reason: r.note } : {}),
      lines: (r.refund_line_items ?? [])
        .filter((l) => present(l.line_item_id) && l.quantity > 0)
        .map((l) => ({ lineId: String(l.line_item_id), quantity: l.quantity })),
      ...(present(r.created_at) ? { at: r.created_at } : {}),
    };
  });

  const refundedTotal = refunds.reduce((sum, r) => sum + r.amount.amount, 0);
  const billing = address(o.billing_address);
  const shipping = address(o.shipping_address);

  const base: Omit<OrderDraftInput, 'totals'> = {
    externalId,
    ...(shippedFromCounters || removedFromCounters ? { summary: true as const } : {}),
    ...(present(o.name) ? { externalNumber: o.name } : {}),
    kind: o.company || present(o.po_number) ? 'b2b' : 'b2c',
    status: status(o),
    currency,
    ...(o.presentment_currency && o.presentment_currency.toUpperCase() !== currency
      ? { presentmentCurrency: o.presentment_currency.toUpperCase() }
      : {}),
    placedAt: o.created_at,
    updatedAt: o.updated_at ?? o.created_at,
    ...(o.customer || o.email
      ? {
          customer: {
            ...(o.customer && idOf(o.customer) ? { externalId: idOf(o.customer) } : {}),
            ...(present(o.email ?? o.customer?.email) ? { email: (o.email ?? o.customer?.email)! } : {}),
            ...(present(o.phone ?? o.customer?.phone) ? { phone: (o.phone ?? o.customer?.phone)! } : {}),
            ...([o.customer?.first_name, o.customer?.last_name].some(present)
              ? { name: [o.customer?.first_name, o.customer?.last_name].filter(present).join(' ') }
              : {}),
          },
        }
      : {}),
    ...(billing ? { billingAddress: billing } : {}),
    ...(shipping ? { shippingAddress: shipping } : {}),
    lines,
    shippingLines,
    discounts,
    adjustments,
    taxesIncluded: o.taxes_included ?? false,
    payments: financial
      ? [
          {
            id: `shopify-${externalId}`,
            status: financial,
            gateway: o.payment_gateway_names?.[0] ?? 'shopify',
            ...(o.total_price_set || present(o.total_price)
              ? financial === 'authorized'
                ? { authorized: m(o.total_price_set, o.total_price, 'total_price') }
                : financial === 'pending' || financial === 'voided'
                  ? {}
                  : {
                      // Partially paid: what was paid is the total less what is outstanding.
                      captured: {
                        amount:
                          m(o.total_price_set, o.total_price, 'total_price').amount -
                          (o.financial_status === 'partially_paid' && present(o.total_outstanding)
                            ? parseMoney(o.total_outstanding, currency).amount
                            : 0),
                        currency,
                      },
                    }
              : {}),
            ...(refundedTotal > 0 ? { refunded: { amount: refundedTotal, currency } } : {}),
          },
        ]
      : [],
    fulfillments: (o.fulfillments ?? []).map((f, i) => {
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
    }),
    refunds,
    ...(present(o.po_number) ? { b2b: { poNumber: o.po_number } } : {}),
    ...(present(o.note) ? { note: o.note } : {}),
    tags: (o.tags ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    attributes: Object.fromEntries((o.note_attributes ?? []).map((a) => [a.name, String(a.value ?? '')])),
  };
  const totals = computeTotals(base);
  // Reconcile with what Shopify says the order costs: a difference means the mapping misses something.
  if (o.total_price_set || present(o.total_price)) {
    const stated = m(o.total_price_set, o.total_price, 'total_price');
    if (stated.amount !== totals.total.amount) {
      throw new Error(
        `Shopify's total_price is ${formatMoney(stated)} ${currency} but the lines, shipping, discounts, taxes and adjustments add up to ${formatMoney(totals.total)}`,
      );
    }
  }
  return { ...base, totals };
}
