import { formatMoney, type Money, money } from './money.ts';
import type { Discount, OrderDraft, TaxLine, Totals } from './order.ts';

// An order's totals added up exactly, and checked against what the channel says they are.

export class TotalsError extends Error {
  override name = 'TotalsError';
}

type Sums = Record<keyof Totals, bigint>;

/** The parts of an order (parsed, or a connector's input before defaults) that totals are made of. */
interface Summable {
  currency: string;
  taxesIncluded?: boolean | undefined;
  lines: {
    unitPrice: Money;
    quantity: { ordered: number };
    discounts?: Discount[] | undefined;
    taxLines?: TaxLine[] | undefined;
  }[];
  shippingLines?:
    | { price: Money; discounts?: Discount[] | undefined; taxLines?: TaxLine[] | undefined }[]
    | undefined;
  discounts?: Discount[] | undefined;
  adjustments?: { amount: Money; taxLines?: TaxLine[] | undefined }[] | undefined;
}

/**
 * Adds up an order's lines in minor units, exactly (BigInt: a sum of safe integers
 * can leave the safe range), noting every amount not in the order's currency.
 */
function addUp(order: Summable, problems: string[]): Sums {
  const currency = order.currency;
  const sums = { items: 0n, discount: 0n, shipping: 0n, tax: 0n, adjustments: 0n, total: 0n };
  const amount = (m: Money, where: string): bigint => {
    if (m.currency !== currency) problems.push(`${where} is in ${m.currency}, the order is in ${currency}`);
    return BigInt(m.amount);
  };
  order.lines.forEach((line, i) => {
    sums.items += amount(line.unitPrice, `lines[${i}].unitPrice`) * BigInt(line.quantity.ordered);
    for (const d of line.discounts ?? []) sums.discount += amount(d.amount, `lines[${i}].discounts`);
    for (const t of line.taxLines ?? []) sums.tax += amount(t.amount, `lines[${i}].taxLines`);
  });
  (order.shippingLines ?? []).forEach((s, i) => {
    sums.shipping += amount(s.price, `shippingLines[${i}].price`);
    for (const d of s.discounts ?? []) sums.discount += amount(d.amount, `shippingLines[${i}].discounts`);
    for (const t of s.taxLines ?? []) sums.tax += amount(t.amount, `shippingLines[${i}].taxLines`);
  });
  for (const d of order.discounts ?? []) sums.discount += amount(d.amount, 'discounts');
  (order.adjustments ?? []).forEach((a, i) => {
    sums.adjustments += amount(a.amount, `adjustments[${i}].amount`);
    for (const t of a.taxLines ?? []) sums.tax += amount(t.amount, `adjustments[${i}].taxLines`);
  });
  sums.total =
    sums.items - sums.discount + sums.shipping + sums.adjustments + (order.taxesIncluded ? 0n : sums.tax);
  return sums;
}

const TOTAL_KEYS = ['items', 'discount', 'shipping', 'tax', 'adjustments', 'total'] as const;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function format(amount: bigint, currency: string): string {
  return amount <= SAFE && amount >= -SAFE
    ? formatMoney(money(Number(amount), currency))
    : `${amount} minor units`;
}

/**
 * Checks that the totals add up from the lines, exactly, in minor units, and that
 * every amount is in the order's currency. Returns the problems found (empty when
 * the order is consistent).
 */
export function checkTotals(order: OrderDraft): string[] {
  const problems: string[] = [];
  const expected = addUp(order, problems);
  for (const key of TOTAL_KEYS) {
    // No adjustments stated means none: zero in the order's currency.
    const stated = order.totals[key] ?? money(0, order.currency);
    if (stated.currency !== order.currency) {
      problems.push(`totals.${key} is in ${stated.currency}, the order is in ${order.currency}`);
    } else if (BigInt(stated.amount) !== expected[key]) {
      problems.push(
        `totals.${key} is ${formatMoney(stated)} ${order.currency} but the lines add up to ${format(expected[key], order.currency)}`,
      );
    }
  }
  return problems;
}

/**
 * Computes consistent totals from the lines; connectors use it when the source
 * sends none. It sums the input as given (no schema pass: the intake validates the
 * whole draft afterwards).
 */
export function computeTotals(draft: Summable): Totals {
  const problems: string[] = [];
  const sums = addUp(draft, problems);
  for (const key of TOTAL_KEYS) {
    if (sums[key] > SAFE || sums[key] < -SAFE)
      problems.push(`${key} (${sums[key]} minor units) is beyond the safe integer range`);
  }
  if (problems.length) throw new TotalsError(problems.join('; '));
  const c = draft.currency;
  return {
    items: money(Number(sums.items), c),
    discount: money(Number(sums.discount), c),
    shipping: money(Number(sums.shipping), c),
    tax: money(Number(sums.tax), c),
    ...(sums.adjustments !== 0n ? { adjustments: money(Number(sums.adjustments), c) } : {}),
    total: money(Number(sums.total), c),
  };
}
