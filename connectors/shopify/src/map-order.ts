import {
  type Adjustment,
  addressOf,
  bodyText,
  computeTotals,
  formatMoney,
  type Money,
  type NormalizeResult,
  type OrderDraftInput,
  parseMoney,
  personName,
  type StoredPayload,
  zodMessage,
} from '@switchyard/core';
import { idOf, parseExact } from './json.ts';
import { fromGraphql, GRAPHQL_SOURCE_HEADER, pulledNodes } from './map-graphql.ts';
import { lineQuantities, mapFulfillments, mapLines, mapShippingLines } from './map-lines.ts';
import { payments, refundAmount, shopMoney } from './map-money.ts';
import { type AddressIn, present, ShopifyOrder } from './shopify-order.ts';
import { STOCK_TOPIC, stockIgnored } from './stock-reports.ts';

/** Topics whose body is a whole order. */
export const ORDER_TOPICS = [
  'orders/create',
  'orders/updated',
  'orders/cancelled',
  'orders/fulfilled',
  'orders/partially_fulfilled',
  'orders/paid',
] as const;
/** Topics the hub subscribes to whose body is not an order: stored, and their effect arrives with orders/updated. */
export const SIGNAL_TOPICS = ['refunds/create', 'fulfillments/create', 'fulfillments/update'] as const;

/**
 * A stored payload as canonical orders: a webhook body (the order), a REST Admin response (`{"order": …}` or
 * `{"orders": […]}`), or a pulled GraphQL Order node. Topics whose body is not an order are stored, not imported;
 * an inventory level (inventory_levels/update) is read for the stock sync (stock-reports.ts).
 */
export function normalize(payload: StoredPayload): NormalizeResult {
  if (payload.headers[GRAPHQL_SOURCE_HEADER] === 'graphql') {
    // A pulled GraphQL Order node: the same mapping, after adapting the shape.
    const node = (pulledNodes.get(payload.body) ?? parseExact(bodyText(payload.body))) as {
      lineItems?: { pageInfo?: { hasNextPage?: boolean } };
      name?: string;
      id?: string;
    };
    if (node.lineItems?.pageInfo?.hasNextPage) {
      throw new Error(
        `order ${node.name ?? node.id} has more than 50 lines, more than a pulled page holds; its orders/create or orders/updated webhook carries every line: replay that delivery, or edit the order in Shopify so that one is sent`,
      );
    }
    const parsed = ShopifyOrder.safeParse(fromGraphql(node as Record<string, unknown>));
    if (!parsed.success) {
      throw new Error(`pulled node is not a Shopify order: ${zodMessage(parsed.error)}`);
    }
    return { orders: [mapOrder(parsed.data)] };
  }
  const topic = payload.headers['x-shopify-topic'];
  if (topic === STOCK_TOPIC) return { orders: [], ignored: stockIgnored(payload) };
  if (topic && (SIGNAL_TOPICS as readonly string[]).includes(topic)) {
    return { orders: [], ignored: `${topic} is stored; the order's new state arrives with orders/updated` };
  }
  if (topic && !(ORDER_TOPICS as readonly string[]).includes(topic)) {
    return { orders: [], ignored: `topic ${topic} is not imported` };
  }
  let json: unknown;
  try {
    json = parseExact(bodyText(payload.body));
  } catch (error) {
    throw new Error(`body is not valid JSON (${(error as Error).message})`);
  }
  // A webhook body is the order; a REST Admin response wraps it as {"order": …} or {"orders": […]}.
  const body = json as { order?: unknown; orders?: unknown };
  const list = Array.isArray(body?.orders) ? body.orders : [body?.order ?? json];
  return {
    orders: list.map((item, i) => {
      const parsed = ShopifyOrder.safeParse(item);
      if (!parsed.success) {
        const where = list.length > 1 ? `orders[${i}].` : '';
        throw new Error(`body is not a Shopify order: ${zodMessage(parsed.error, where)}`);
      }
      return mapOrder(parsed.data);
    }),
  };
}

const address = (a: AddressIn) =>
  a
    ? addressOf({
        name: a.name ?? personName(a.first_name, a.last_name),
        company: a.company,
        line1: a.address1,
        line2: a.address2,
        city: a.city,
        region: a.province_code ?? a.province,
        postalCode: a.zip,
        country: a.country_code,
        phone: a.phone,
      })
    : undefined;

function status(o: ShopifyOrder): OrderDraftInput['status'] {
  if (o.cancelled_at) return 'cancelled';
  if (o.fulfillment_status === 'fulfilled') return 'shipped';
  if (o.fulfillment_status === 'partial') return 'partially_shipped';
  return 'placed';
}

function customer(o: ShopifyOrder) {
  if (!o.customer && !o.email) return undefined;
  const email = o.email ?? o.customer?.email;
  const phone = o.phone ?? o.customer?.phone;
  const name = personName(o.customer?.first_name, o.customer?.last_name);
  return {
    ...(o.customer && idOf(o.customer) ? { externalId: idOf(o.customer) } : {}),
    ...(present(email) ? { email } : {}),
    ...(present(phone) ? { phone } : {}),
    ...(name ? { name } : {}),
  };
}

/** Maps one Shopify order to a canonical draft, in shop money; throws (with the reason) when it cannot. */
export function mapOrder(o: ShopifyOrder): OrderDraftInput {
  const currency = o.currency.toUpperCase();
  const money = shopMoney(currency);
  const { m } = money;
  const externalId = idOf(o);
  if (!externalId) throw new Error('the order has neither an exact id nor an admin_graphql_api_id');

  const quantities = lineQuantities(o);
  const lines = mapLines(o, quantities, money);
  const shippingLines = mapShippingLines(o, money);

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

  const refunds = (o.refunds ?? []).map((r, i) => {
    const id = idOf(r) ?? `refund-${i + 1}`;
    return {
      id,
      ...(idOf(r) ? { externalId: id } : {}),
      // Refund transactions are in the buyer's (presentment) currency; the order is kept in shop money.
      amount: { amount: refundAmount(r, i, id, currency, money), currency },
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
  const buyer = customer(o);

  const base: Omit<OrderDraftInput, 'totals'> = {
    externalId,
    ...(quantities.fromCounters ? { summary: true as const } : {}),
    ...(present(o.name) ? { externalNumber: o.name } : {}),
    kind: o.company || present(o.po_number) ? 'b2b' : 'b2c',
    status: status(o),
    currency,
    ...(o.presentment_currency && o.presentment_currency.toUpperCase() !== currency
      ? { presentmentCurrency: o.presentment_currency.toUpperCase() }
      : {}),
    placedAt: o.created_at,
    updatedAt: o.updated_at ?? o.created_at,
    ...(buyer ? { customer: buyer } : {}),
    ...(billing ? { billingAddress: billing } : {}),
    ...(shipping ? { shippingAddress: shipping } : {}),
    lines,
    shippingLines,
    discounts,
    adjustments,
    taxesIncluded: o.taxes_included ?? false,
    payments: payments(o, externalId, refundedTotal, money),
    fulfillments: mapFulfillments(o),
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
