import { type Discount, type Money, parseMoney, type TaxLine } from '@switchyard/core';
import {
  type AllocationIn,
  type MoneySetIn,
  present,
  type ShopifyOrder,
  type TaxLineIn,
} from './shopify-order.ts';

/**
 * Reading Shopify's amounts in shop money: the `*_set.shop_money` of a field first (it names its currency),
 * else the plain decimal in the order's currency. A missing amount names where it was missing.
 */
export function shopMoney(currency: string) {
  const m = (set: MoneySetIn, fallback: string | number | null | undefined, where: string): Money => {
    if (set?.shop_money) return parseMoney(set.shop_money.amount, set.shop_money.currency_code.toUpperCase());
    if (present(fallback)) return parseMoney(fallback, currency);
    throw new Error(`${where} has no amount`);
  };
  const taxes = (list: TaxLineIn[] | null | undefined, where: string): TaxLine[] =>
    (list ?? []).map((t, i) => ({
      title: t.title ?? 'Tax',
      ...(present(t.rate) ? { rate: String(t.rate) } : {}),
      amount: m(t.price_set, t.price, `${where}.tax_lines[${i}]`),
    }));
  const allocations = (list: AllocationIn[] | null | undefined, where: string): Discount[] =>
    (list ?? []).map((d, i) => ({
      amount: m(d.amount_set, d.amount, `${where}.discount_allocations[${i}]`),
    }));
  return { m, taxes, allocations };
}
export type ShopMoney = ReturnType<typeof shopMoney>;

type Refund = NonNullable<ShopifyOrder['refunds']>[number];

/**
 * What a refund gave back, in shop money: Shopify's `total_refunded_set` when present; else its successful
 * refund transactions when they are in the shop's currency; else (transactions in the buyer's presentment
 * currency) the shop-money subtotals and taxes of its lines.
 */
export function refundAmount(r: Refund, i: number, id: string, currency: string, money: ShopMoney): number {
  const { m } = money;
  const paid = (r.transactions ?? []).filter(
    (t) => t.kind === 'refund' && (t.status ?? 'success') === 'success' && present(t.amount),
  );
  if (r.total_refunded_set) return m(r.total_refunded_set, null, `refunds[${i}].total_refunded`).amount;
  if (paid.every((t) => (t.currency ?? currency).toUpperCase() === currency)) {
    return paid.reduce((sum, t) => sum + parseMoney(t.amount!, currency).amount, 0);
  }
  const items = (r.refund_line_items ?? []).filter((l) => l.subtotal_set);
  if (!items.length) {
    throw new Error(
      `refund ${id} is in ${paid[0]?.currency}, the shop's currency is ${currency}, and it carries no shop-money amounts`,
    );
  }
  return items.reduce(
    (sum, l, j) =>
      sum +
      m(l.subtotal_set, null, `refunds[${i}].refund_line_items[${j}].subtotal`).amount +
      (l.total_tax_set ? m(l.total_tax_set, null, 'tax').amount : 0),
    0,
  );
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

/**
 * The order's one payment as Shopify's financial status tells it: authorized or captured for the order's total
 * (partially paid: the total less what is outstanding), and what the refunds gave back.
 */
export function payments(o: ShopifyOrder, externalId: string, refunded: number, money: ShopMoney) {
  const currency = o.currency.toUpperCase();
  const financial = o.financial_status ? PAYMENT_STATUS[o.financial_status] : undefined;
  if (!financial) return [];
  const { m } = money;
  return [
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
      ...(refunded > 0 ? { refunded: { amount: refunded, currency } } : {}),
    },
  ];
}
