import type {
  BooksCustomer,
  BooksLine,
  BooksTotals,
  BooksTracking,
  Order,
  RefundDocument,
  SaleDocument,
} from '@switchyard/core';
import { type BooksMapping, BooksMappingError } from './books-mapping.ts';

/**
 * An order's sale and refunds as documents for the books, by the merchant's mapping: pure, so what is posted
 * per order and what a daily summary adds up come from the same lines. Item lines are gross (quantity × unit
 * price); every discount is one discount line, since QuickBooks takes no discount on a sales line; the tax
 * of each line is the order's own figure, and the document's totals must come out at the order's total to the
 * minor unit, or nothing is posted.
 */

type OrderLine = Order['lines'][number];
type TaxLines = OrderLine['taxLines'];

const sumOf = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const taxOf = (taxLines: TaxLines) => sumOf(taxLines.map((t) => t.amount.amount));

/** The books' tax code of a line's taxes, and the liability account of each (journals). */
export function taxCodeOf(
  mapping: BooksMapping,
  taxLines: TaxLines,
  where: string,
): { code?: string; account?: string } {
  const taxed = taxLines.filter((t) => t.amount.amount !== 0);
  if (!taxed.length) return mapping.taxes.exempt ? { code: mapping.taxes.exempt } : {};
  const found = taxed.map((t) => {
    const entry = mapping.taxes.byTitle[t.title] ?? (t.rate ? mapping.taxes.byRate[t.rate] : undefined);
    const chosen = entry ?? mapping.taxes.default;
    if (!chosen)
      throw new BooksMappingError(
        `no tax code for "${t.title}"${t.rate ? ` (rate ${t.rate})` : ''} on ${where}`,
        `add it to accounting.mapping.taxes.byTitle or taxes.byRate, or set taxes.default`,
      );
    return chosen;
  });
  const codes = new Set(found.map((f) => f.code));
  if (codes.size > 1)
    throw new BooksMappingError(
      `${where} has taxes mapped to different codes (${[...codes].join(', ')})`,
      'map the taxes charged together (state and county) to one combined code',
    );
  const account = found[0]!.account ?? mapping.taxes.account;
  return { code: found[0]!.code, ...(account ? { account } : {}) };
}

/** The class, location and tracking categories of the channel's lines. */
export function trackingOf(mapping: BooksMapping): BooksTracking | undefined {
  const t = mapping.tracking;
  if (!t) return undefined;
  const kept = {
    ...(t.class ? { class: t.class } : {}),
    ...(t.location ? { location: t.location } : {}),
    ...(t.categories ? { categories: t.categories } : {}),
  };
  return Object.keys(kept).length ? kept : undefined;
}

/** The customer of the order's documents. */
export function customerOf(mapping: BooksMapping, order: Order): BooksCustomer {
  if (mapping.customer.mode === 'single') return { ref: mapping.customer.ref, name: mapping.customer.ref };
  const c = order.customer;
  const billing = order.billingAddress;
  const name =
    c?.company ?? c?.name ?? billing?.company ?? billing?.name ?? c?.email ?? mapping.customer.fallbackName;
  const email = c?.email ?? billing?.email;
  return { name, ...(email ? { email } : {}) };
}

function itemLine(mapping: BooksMapping, order: Order, line: OrderLine, quantity: number): BooksLine {
  const own = line.sku ? mapping.items.bySku[line.sku] : undefined;
  const item = own?.item ?? mapping.items.default;
  const ordered = line.quantity.ordered;
  const tax =
    quantity === ordered ? taxOf(line.taxLines) : Math.round((taxOf(line.taxLines) * quantity) / ordered);
  const { code } = taxCodeOf(mapping, line.taxLines, `line ${line.sku ?? line.title} of ${order.externalId}`);
  const tracking = trackingOf(mapping);
  return {
    kind: 'item',
    description: line.sku ? `${line.title} (${line.sku})` : line.title,
    ...(item ? { item } : {}),
    account: own?.account ?? mapping.accounts.income,
    quantity,
    unitAmount: line.unitPrice.amount,
    amount: line.unitPrice.amount * quantity,
    ...(code ? { taxCode: code } : {}),
    tax,
    ...(tracking ? { tracking } : {}),
  };
}

/** The order's sale lines: items, shipping, adjustments and one discount line, as the order has them. */
export function saleLines(mapping: BooksMapping, order: Order): BooksLine[] {
  const tracking = trackingOf(mapping);
  const lines = order.lines.map((line) => itemLine(mapping, order, line, line.quantity.ordered));
  for (const s of order.shippingLines) {
    const { code } = taxCodeOf(mapping, s.taxLines, `shipping of ${order.externalId}`);
    lines.push({
      kind: 'shipping',
      description: s.title ?? `Shipping (${s.code})`,
      ...(mapping.items.shipping ? { item: mapping.items.shipping } : {}),
      account: mapping.accounts.shippingIncome,
      quantity: 1,
      unitAmount: s.price.amount,
      amount: s.price.amount,
      ...(code ? { taxCode: code } : {}),
      tax: taxOf(s.taxLines),
      ...(tracking ? { tracking } : {}),
    });
  }
  let discount = order.totals.discount.amount;
  for (const a of order.adjustments) {
    const tax = sumOf(a.taxLines.map((t) => t.amount.amount));
    if (a.amount.amount < 0 && tax === 0) {
      discount -= a.amount.amount; // a credit or a rounding down is money off, like a discount
      continue;
    }
    const { code } = taxCodeOf(mapping, a.taxLines as TaxLines, `${a.title} of ${order.externalId}`);
    lines.push({
      kind: 'adjustment',
      description: a.title,
      ...(mapping.items.default ? { item: mapping.items.default } : {}),
      account: mapping.accounts.adjustments ?? mapping.accounts.income,
      quantity: 1,
      unitAmount: a.amount.amount,
      amount: a.amount.amount,
      ...(code ? { taxCode: code } : {}),
      tax,
      ...(tracking ? { tracking } : {}),
    });
  }
  if (discount > 0) lines.push(discountLine(mapping, order, discount));
  return lines;
}

function discountLine(mapping: BooksMapping, order: Order, amount: number): BooksLine {
  const codes = [
    ...order.lines.flatMap((l) => l.discounts),
    ...order.shippingLines.flatMap((s) => s.discounts),
    ...order.discounts,
  ]
    .map((d) => d.code ?? d.title)
    .filter((c): c is string => !!c);
  const tracking = trackingOf(mapping);
  return {
    kind: 'discount',
    description: codes.length ? `Discount (${[...new Set(codes)].join(', ')})` : 'Discount',
    account: mapping.accounts.discounts,
    quantity: 1,
    unitAmount: amount,
    amount,
    tax: 0,
    ...(tracking ? { tracking } : {}),
  };
}

/** Net, tax and total of lines; throws when they do not come to `total` exactly. */
export function totalsOf(
  lines: BooksLine[],
  taxesIncluded: boolean,
  total: number,
  what: string,
): BooksTotals {
  const net = sumOf(lines.map((l) => (l.kind === 'discount' ? -l.amount : l.amount)));
  const tax = sumOf(lines.map((l) => l.tax));
  const computed = taxesIncluded ? net : net + tax;
  if (computed !== total)
    throw new BooksMappingError(
      `${what} adds up to ${computed} minor units in its lines but its total is ${total}`,
      'check the order on its channel; the posting is replayed once the order is corrected',
    );
  return { net, tax, total };
}

/** The number people see on the order's documents (QuickBooks allows 21 characters). */
export function documentNumber(order: Order, suffix = ''): string {
  const base = (order.externalNumber ?? order.externalId).replace(/^#/, '');
  return `${base.slice(0, 21 - suffix.length)}${suffix}`;
}

/** The memo on each document: which order of which channel it comes from. */
export function memoOf(order: Order): string {
  return `${order.source.connector} order ${order.externalNumber ?? order.externalId} (${order.id})`;
}

/** The order's sale document: a sales receipt (paid), or an invoice (on terms, `due` given). */
export function saleDocument(
  mapping: BooksMapping,
  order: Order,
  options: { key: string; date: string; depositTo?: string; due?: string },
): SaleDocument {
  const lines = saleLines(mapping, order);
  return {
    kind: options.due ? 'invoice' : 'sales-receipt',
    key: options.key,
    date: options.date,
    currency: order.currency,
    memo: memoOf(order),
    number: documentNumber(order),
    customer: customerOf(mapping, order),
    lines,
    taxesIncluded: order.taxesIncluded,
    totals: totalsOf(lines, order.taxesIncluded, order.totals.total.amount, `order ${order.externalId}`),
    ...(options.depositTo ? { depositTo: options.depositTo } : {}),
    ...(options.due ? { due: options.due } : {}),
    ...(order.b2b?.poNumber ? { poNumber: order.b2b.poNumber } : {}),
  };
}

/**
 * A refund's lines: each line refunded at its share of the sale (unit price, and its tax pro rata), and what
 * the refund gives beyond them (shipping, goodwill) on the refunds account, its tax in proportion to the
 * order's. A refund naming no lines is all of the latter.
 */
export function refundLines(
  mapping: BooksMapping,
  order: Order,
  refund: Order['refunds'][number],
): BooksLine[] {
  const lines: BooksLine[] = [];
  for (const r of refund.lines) {
    const line = order.lines.find((l) => l.id === r.lineId);
    if (line) lines.push(itemLine(mapping, order, line, Math.min(r.quantity, line.quantity.ordered)));
  }
  const amount = refund.amount.amount;
  const counted = sumOf(lines.map((l) => l.amount + (order.taxesIncluded ? 0 : l.tax)));
  const rest = amount - counted;
  if (rest > 0) {
    const total = order.totals.total.amount;
    const restTax = total > 0 ? Math.round((rest * order.totals.tax.amount) / total) : 0;
    const taxed = order.lines.find((l) => taxOf(l.taxLines) > 0);
    const { code } = taxed
      ? taxCodeOf(mapping, taxed.taxLines, `refund ${refund.id} of ${order.externalId}`)
      : taxCodeOf(mapping, [], `refund ${refund.id}`);
    const tracking = trackingOf(mapping);
    const net = order.taxesIncluded ? rest : rest - restTax;
    lines.push({
      kind: 'adjustment',
      description: refund.lines.length
        ? 'Refunded beyond the lines (shipping, goodwill)'
        : `Refund${refund.reason ? `: ${refund.reason}` : ''}`,
      ...(mapping.items.default ? { item: mapping.items.default } : {}),
      account: mapping.accounts.refunds ?? mapping.accounts.income,
      quantity: 1,
      unitAmount: net,
      amount: net,
      ...(code && restTax
        ? { taxCode: code }
        : mapping.taxes.exempt
          ? { taxCode: mapping.taxes.exempt }
          : {}),
      tax: restTax,
      ...(tracking ? { tracking } : {}),
    });
  } else if (rest < 0) {
    // Less was refunded than the lines at their full price (a partial refund of a line): their tax is reversed
    // in proportion, and the rest of the difference is kept back as a discount on the refund.
    const share = amount / counted;
    for (const line of lines) line.tax = Math.round(line.tax * share);
    const after = sumOf(lines.map((l) => l.amount + (order.taxesIncluded ? 0 : l.tax)));
    if (after > amount)
      lines.push({
        ...discountLine(mapping, order, after - amount),
        description: 'Kept back from the lines refunded',
      });
  }
  return lines;
}

export function refundDocument(
  mapping: BooksMapping,
  order: Order,
  refund: Order['refunds'][number],
  options: {
    key: string;
    date: string;
    sale: RefundDocument['sale'];
    refundFrom: string;
    allocate?: boolean;
  },
): RefundDocument {
  const lines = refundLines(mapping, order, refund);
  return {
    kind: 'refund',
    key: options.key,
    date: options.date,
    currency: order.currency,
    memo: `refund ${refund.externalId ?? refund.id} of ${memoOf(order)}`,
    sale: options.sale,
    number: documentNumber(order, '-R'),
    customer: customerOf(mapping, order),
    lines,
    taxesIncluded: order.taxesIncluded,
    totals: totalsOf(
      lines,
      order.taxesIncluded,
      refund.amount.amount,
      `refund ${refund.id} of ${order.externalId}`,
    ),
    refundFrom: options.refundFrom,
    ...(options.allocate ? { allocate: true } : {}),
  };
}

/** The clearing account of the order's money: its captured payments' gateway (the largest), else the default. */
export function clearingOf(mapping: BooksMapping, order: Order): string {
  const paid = order.payments
    .filter((p) => (p.captured?.amount ?? 0) > 0)
    .sort((a, b) => (b.captured?.amount ?? 0) - (a.captured?.amount ?? 0));
  const gateway = paid[0]?.gateway;
  return (gateway && mapping.clearing.byGateway[gateway]) || mapping.clearing.default;
}
