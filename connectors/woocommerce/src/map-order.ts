import {
  type Address,
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
  splitLineTotal,
  type TaxLine,
  zodMessage,
} from '@switchyard/core';
import { z } from 'zod';
import { STOCK_TOPICS, stockIgnored } from './stock-reports.ts';

/**
 * A WooCommerce REST v3 order (also the body of order.* webhooks). Unknown fields are
 * ignored and optional ones may be missing, empty or null. Woo keeps line, shipping
 * and fee amounts excluding tax, rounded to the shop's decimals, with the tax beside
 * them. A shop that enters prices with tax (`prices_include_tax`) is mapped to
 * tax-inclusive amounts (amount + its tax), so the unit price is the one the shop set.
 */
const Amount = z.union([z.string(), z.number()]);
const Text = z.string().nullish();
const Taxes = z.array(z.object({ id: z.number(), total: Amount.nullish() })).nullish();
const Meta = z.array(z.object({ key: z.string(), value: z.unknown() })).nullish();
const AddressIn = z
  .object({
    first_name: Text,
    last_name: Text,
    company: Text,
    address_1: Text,
    address_2: Text,
    city: Text,
    state: Text,
    postcode: Text,
    country: Text,
    email: Text,
    phone: Text,
  })
  .nullish();

export const WooOrder = z.object({
  id: z.number().int(),
  number: Text,
  status: z.string(),
  currency: z.string().length(3),
  date_created_gmt: z.string(),
  date_modified_gmt: Text,
  date_paid_gmt: Text,
  date_completed_gmt: Text,
  prices_include_tax: z.boolean().nullish(),
  customer_id: z.number().int().nullish(),
  customer_note: Text,
  billing: AddressIn,
  shipping: AddressIn,
  payment_method: Text,
  payment_method_title: Text,
  transaction_id: Text,
  total: Amount,
  line_items: z
    .array(
      z.object({
        id: z.number().int(),
        name: z.string(),
        sku: Text,
        quantity: z.number().int().positive(),
        subtotal: Amount,
        subtotal_tax: Amount.nullish(),
        total: Amount,
        total_tax: Amount.nullish(),
        taxes: Taxes,
      }),
    )
    .min(1),
  tax_lines: z
    .array(
      z.object({ rate_id: z.number(), label: Text, rate_code: Text, rate_percent: z.number().nullish() }),
    )
    .nullish(),
  shipping_lines: z
    .array(
      z.object({
        id: z.number().int(),
        method_id: Text,
        method_title: Text,
        total: Amount,
        total_tax: Amount.nullish(),
        taxes: Taxes,
      }),
    )
    .nullish(),
  fee_lines: z
    .array(
      z.object({
        id: z.number().int(),
        name: Text,
        total: Amount,
        total_tax: Amount.nullish(),
        taxes: Taxes,
      }),
    )
    .nullish(),
  coupon_lines: z.array(z.object({ code: z.string(), discount: Amount.nullish() })).nullish(),
  refunds: z.array(z.object({ id: z.number().int(), reason: Text, total: Amount })).nullish(),
  meta_data: Meta,
});
export type WooOrder = z.infer<typeof WooOrder>;

const present = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
/** A WooCommerce `_gmt` time (no zone suffix) as an ISO time in UTC. */
export const gmt = (t: string) => (/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`);

const STATUS: Record<string, OrderDraftInput['status']> = {
  pending: 'placed',
  processing: 'accepted',
  'on-hold': 'on_hold',
  completed: 'shipped',
  cancelled: 'cancelled',
  failed: 'on_hold', // a failed payment can be retried: the order is not over
  trash: 'cancelled',
  'checkout-draft': 'placed',
};

function address(a: z.infer<typeof AddressIn>): Address | undefined {
  if (!a) return undefined;
  return addressOf({
    name: personName(a.first_name, a.last_name),
    company: a.company,
    line1: a.address_1,
    line2: a.address_2,
    city: a.city,
    region: a.state,
    postalCode: a.postcode,
    country: a.country,
    phone: a.phone,
    email: a.email,
  });
}

/** Maps one WooCommerce order to a canonical draft; throws (with the reason) when it cannot. */
export function mapOrder(o: WooOrder): OrderDraftInput {
  const currency = o.currency.toUpperCase();
  const m = (v: string | number): Money => parseMoney(v, currency);
  const rates = new Map((o.tax_lines ?? []).map((t) => [t.rate_id, t]));
  const taxes = (list: z.infer<typeof Taxes>): TaxLine[] =>
    (list ?? [])
      .filter((t) => present(String(t.total ?? '')) && m(t.total!).amount !== 0)
      .map((t) => {
        const rate = rates.get(t.id);
        return {
          title: rate?.label ?? rate?.rate_code ?? `Tax ${t.id}`,
          ...(typeof rate?.rate_percent === 'number' ? { rate: String(rate.rate_percent / 100) } : {}),
          amount: m(t.total!),
        };
      });

  const inclusive = o.prices_include_tax === true;
  const withTax = (amount: string | number, tax: string | number | null | undefined) =>
    m(amount).amount + (inclusive && present(String(tax ?? '')) ? m(tax!).amount : 0);
  const rounding: { kind: 'rounding'; title: string; amount: Money; taxLines: TaxLine[] }[] = [];
  const lines = o.line_items.map((li) => {
    const gross = withTax(li.subtotal, li.subtotal_tax);
    const net = withTax(li.total, li.total_tax);
    // Woo rounds the line, not the item: a remainder that does not split per item is carried as rounding.
    const { unit, remainder } = splitLineTotal({ amount: gross, currency }, li.quantity);
    if (remainder.amount !== 0) {
      rounding.push({
        kind: 'rounding',
        title: `Rounding of line ${li.id}`,
        amount: remainder,
        taxLines: [],
      });
    }
    return {
      id: String(li.id),
      externalId: String(li.id),
      ...(present(li.sku) ? { sku: li.sku } : {}),
      title: li.name,
      quantity: { ordered: li.quantity },
      unitPrice: unit,
      discounts: gross !== net ? [{ amount: { amount: gross - net, currency } }] : [], // coupons, allocated by Woo
      taxLines: taxes(li.taxes),
    };
  });

  const refunds = (o.refunds ?? []).map((r) => ({
    id: String(r.id),
    externalId: String(r.id),
    amount: { amount: Math.abs(m(r.total).amount), currency },
    ...(present(r.reason) ? { reason: r.reason } : {}),
  }));
  const refunded = refunds.reduce((sum, r) => sum + r.amount.amount, 0);
  const total = m(o.total);
  const coupons = (o.coupon_lines ?? []).map((c) => c.code);
  const meta = Object.fromEntries(
    (o.meta_data ?? [])
      .filter((d) => !d.key.startsWith('_') && ['string', 'number', 'boolean'].includes(typeof d.value))
      .map((d) => [d.key, String(d.value)]),
  );
  const guest = !o.customer_id;
  const billing = address(o.billing);
  const shipping = address(o.shipping);
  const base: Omit<OrderDraftInput, 'totals'> = {
    externalId: String(o.id),
    externalNumber: present(o.number) ? o.number : String(o.id),
    // Refunded: the money went back, the goods' state stays (closed if it had been completed).
    status:
      o.status === 'refunded'
        ? o.date_completed_gmt
          ? 'closed'
          : 'cancelled'
        : (STATUS[o.status] ?? 'placed'),
    currency,
    placedAt: gmt(o.date_created_gmt),
    updatedAt: gmt(o.date_modified_gmt ?? o.date_created_gmt),
    ...(billing?.email || !guest
      ? {
          customer: {
            ...(guest ? {} : { externalId: String(o.customer_id) }),
            ...(billing?.email ? { email: billing.email } : {}),
            ...(billing?.phone ? { phone: billing.phone } : {}),
            ...(billing?.name ? { name: billing.name } : {}),
            ...(billing?.company ? { company: billing.company } : {}),
          },
        }
      : {}),
    ...(billing ? { billingAddress: billing } : {}),
    ...(shipping ? { shippingAddress: shipping } : {}),
    lines,
    shippingLines: (o.shipping_lines ?? []).map((s) => ({
      code: s.method_id ?? 'shipping',
      ...(present(s.method_title) ? { title: s.method_title } : {}),
      price: { amount: withTax(s.total, s.total_tax), currency },
      taxLines: taxes(s.taxes),
    })),
    adjustments: [
      ...(o.fee_lines ?? []).map((f) => ({
        kind: 'fee' as const,
        title: f.name ?? 'Fee',
        amount: { amount: withTax(f.total, f.total_tax), currency },
        taxLines: taxes(f.taxes),
      })),
      ...rounding,
    ],
    taxesIncluded: inclusive,
    payments: o.date_paid_gmt
      ? [
          {
            id: `woo-${o.id}`,
            status:
              refunded === 0 ? 'captured' : refunded >= total.amount ? 'refunded' : 'partially_refunded',
            gateway: o.payment_method ?? 'woocommerce',
            ...(present(o.transaction_id) ? { reference: o.transaction_id } : {}),
            captured: total,
            ...(refunded ? { refunded: { amount: refunded, currency } } : {}),
            at: gmt(o.date_paid_gmt),
          },
        ]
      : [],
    refunds,
    ...(present(o.customer_note) ? { note: o.customer_note } : {}),
    attributes: { ...meta, ...(coupons.length ? { coupons: coupons.join(',') } : {}) },
  };
  const totals = computeTotals(base);
  if (totals.total.amount !== total.amount) {
    throw new Error(
      `WooCommerce's total is ${formatMoney(total)} ${currency} but the lines, shipping, fees and taxes add up to ${formatMoney(totals.total)}`,
    );
  }
  return { ...base, totals };
}

/**
 * A stored webhook body or pulled REST v3 order (or a list of them) as canonical drafts. Topics other than
 * orders are ignored, and so is `order.deleted` after a permanent delete, which carries only the id.
 */
export function normalize(payload: StoredPayload): NormalizeResult {
  const topic = payload.headers['x-wc-webhook-topic'];
  // A product's stock, changed in WooCommerce: read by the stock sync (stock-reports.ts), not an order.
  if (topic && STOCK_TOPICS.includes(topic)) return { orders: [], ignored: stockIgnored(payload) };
  if (topic && !topic.startsWith('order.')) return { orders: [], ignored: `topic ${topic} is not imported` };
  let json: unknown;
  try {
    json = JSON.parse(bodyText(payload.body));
  } catch (error) {
    throw new Error(`body is not valid JSON (${(error as Error).message})`);
  }
  const list = Array.isArray(json) ? json : [json];
  // order.deleted after a permanent delete carries only the id: nothing to import, the record stays.
  if (topic === 'order.deleted' && list.length === 1 && Object.keys(list[0] ?? {}).length === 1) {
    return {
      orders: [],
      ignored: `order ${(list[0] as { id?: unknown }).id} was deleted in WooCommerce; the hub keeps its record`,
    };
  }
  return {
    orders: list.map((item, i) => {
      const parsed = WooOrder.safeParse(item);
      if (!parsed.success) {
        const where = Array.isArray(json) ? `[${i}].` : '';
        throw new Error(`body is not a WooCommerce order: ${zodMessage(parsed.error, where)}`);
      }
      return mapOrder(parsed.data);
    }),
  };
}
