import { gidNumber } from './json.ts';

/** Marks a record pulled through GraphQL: its body is an Order node, not a webhook body. */
export const GRAPHQL_SOURCE_HEADER = 'x-switchyard-shopify-source';

/**
 * The node each pulled body was serialized from, so that normalizing a record just pulled does not parse
 * its bytes again. Bodies read back from the store (a replay) are not here and are parsed.
 */
export const pulledNodes = new WeakMap<Uint8Array, unknown>();

// biome-ignore lint/suspicious/noExplicitAny: GraphQL nodes are untyped JSON here; the zod schema checks the adapted shape
export type Node = Record<string, any>;
const money = (set: Node | null | undefined) =>
  set?.shopMoney
    ? { shop_money: { amount: set.shopMoney.amount, currency_code: set.shopMoney.currencyCode } }
    : null;
const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : null);
const address = (a: Node | null | undefined) =>
  a
    ? {
        ...a,
        first_name: a.firstName,
        last_name: a.lastName,
        province_code: a.provinceCode,
        country_code: a.countryCodeV2,
      }
    : null;
const allocations = (list: Node[] | undefined) =>
  (list ?? []).map((d) => ({ amount_set: money(d.allocatedAmountSet) }));
const taxes = (list: Node[] | undefined) =>
  (list ?? []).map((t) => ({ title: t.title, rate: t.rate, price_set: money(t.priceSet) }));

/**
 * Shopify's GraphQL Order node (a pulled page, a bulk export's order) in the REST/webhook shape that
 * `mapOrder` reads: one mapping for every source. Pure: renames and reshapes, decides nothing.
 */
export function fromGraphql(n: Node): Node {
  const fulfillment = lower(n.displayFulfillmentStatus);
  return {
    admin_graphql_api_id: n.id,
    name: n.name,
    created_at: n.createdAt,
    updated_at: n.updatedAt,
    cancelled_at: n.cancelledAt,
    currency: n.currencyCode,
    presentment_currency: n.presentmentCurrencyCode,
    email: n.email,
    phone: n.phone,
    note: n.note,
    tags: Array.isArray(n.tags) ? n.tags.join(', ') : null,
    po_number: n.poNumber,
    taxes_included: n.taxesIncluded,
    financial_status: lower(n.displayFinancialStatus),
    fulfillment_status:
      fulfillment === 'fulfilled' ? 'fulfilled' : fulfillment === 'partially_fulfilled' ? 'partial' : null,
    payment_gateway_names: n.paymentGatewayNames,
    total_price_set: money(n.totalPriceSet),
    total_discounts_set: money(n.totalDiscountsSet),
    total_tip_received: n.totalTipReceivedSet?.shopMoney?.amount ?? null,
    original_total_duties_set: money(n.originalTotalDutiesSet),
    original_total_additional_fees_set: money(n.originalTotalAdditionalFeesSet),
    customer: n.customer
      ? {
          admin_graphql_api_id: n.customer.id,
          email: n.customer.email,
          phone: n.customer.phone,
          first_name: n.customer.firstName,
          last_name: n.customer.lastName,
        }
      : null,
    billing_address: address(n.billingAddress),
    shipping_address: address(n.shippingAddress),
    note_attributes: (n.customAttributes ?? []).map((a: Node) => ({ name: a.key, value: a.value })),
    line_items: (n.lineItems?.nodes ?? []).map((li: Node) => ({
      admin_graphql_api_id: li.id,
      sku: li.sku,
      name: li.name,
      title: li.title,
      quantity: li.quantity,
      current_quantity: li.currentQuantity,
      ...(typeof li.unfulfilledQuantity === 'number' && typeof li.currentQuantity === 'number'
        ? {
            // Shipped = what is neither still to ship nor removed (by an edit or a refund).
            fulfilled_quantity: Math.max(0, li.currentQuantity - li.unfulfilledQuantity),
            removed_quantity: Math.max(0, li.quantity - li.currentQuantity),
          }
        : {}),
      gift_card: li.isGiftCard,
      price_set: money(li.originalUnitPriceSet),
      discount_allocations: allocations(li.discountAllocations),
      tax_lines: taxes(li.taxLines),
    })),
    shipping_lines: (n.shippingLines?.nodes ?? []).map((s: Node) => ({
      code: s.code,
      title: s.title,
      source: s.source,
      carrier_identifier: s.carrierIdentifier,
      price_set: money(s.originalPriceSet),
      discount_allocations: allocations(s.discountAllocations),
      tax_lines: taxes(s.taxLines),
    })),
    fulfillments: (n.fulfillments ?? []).map((f: Node) => ({
      admin_graphql_api_id: f.id,
      status: lower(f.status),
      shipment_status: lower(f.displayStatus),
      created_at: f.createdAt,
      tracking_company: f.trackingInfo?.[0]?.company ?? null,
      tracking_numbers: (f.trackingInfo ?? []).map((t: Node) => t.number).filter(Boolean),
      tracking_urls: (f.trackingInfo ?? []).map((t: Node) => t.url).filter(Boolean),
      // A bulk export cannot nest a connection in a list: its fulfillments come without lines (null, not none).
      line_items: f.fulfillmentLineItems
        ? f.fulfillmentLineItems.nodes.map((x: Node) => ({
            admin_graphql_api_id: x.lineItem?.id,
            quantity: x.quantity,
          }))
        : null,
    })),
    refunds: (n.refunds ?? []).map((r: Node) => ({
      admin_graphql_api_id: r.id,
      created_at: r.createdAt,
      note: r.note,
      total_refunded_set: money(r.totalRefundedSet),
      refund_line_items: r.refundLineItems
        ? r.refundLineItems.nodes.map((x: Node) => ({
            line_item_id: gidNumber(x.lineItem?.id),
            quantity: x.quantity,
            restock_type: lower(x.restockType),
          }))
        : null,
      // Nodes pulled before totalRefundedSet was asked for carry the refund's transactions.
      transactions: (r.transactions?.nodes ?? []).map((t: Node) => ({
        kind: lower(t.kind),
        status: lower(t.status),
        amount: t.amountSet?.shopMoney?.amount,
        currency: t.amountSet?.shopMoney?.currencyCode,
      })),
    })),
  };
}
