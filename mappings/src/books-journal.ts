import type { BooksLine, JournalLine, Order } from '@switchyard/core';
import { clearingOf, refundLines, saleLines, totalsOf } from './books-documents.ts';
import { type BooksMapping, BooksMappingError } from './books-mapping.ts';

/**
 * The daily summary's journal: each order's sale and refunds as balanced journal lines (the same lines a
 * per-order document would carry, so both modes book the same figures), and the day's lines added up per
 * account, side, tax code and tracking. Debits equal credits for each order by construction (the clearing
 * line is the order's total, the other lines are checked to come to it), so the sum balances too; it is
 * checked again before anything is posted.
 */

/** The journal lines of one order's sale (credits: income, shipping, tax; debits: discounts, clearing). */
export function saleJournal(mapping: BooksMapping, order: Order): JournalLine[] {
  const lines = saleLines(mapping, order);
  totalsOf(lines, order.taxesIncluded, order.totals.total.amount, `order ${order.externalId}`);
  return [...bookLines(mapping, order, lines, 'credit'), ...collected(mapping, order)];
}

/**
 * The money of a sale, debited to each gateway's clearing account as its payments captured it (a gift card and
 * a card, each to its own); when the captures do not make up the total, all of it to the main gateway's.
 */
function collected(mapping: BooksMapping, order: Order): JournalLine[] {
  const total = order.totals.total.amount;
  const paid = order.payments.filter((p) => (p.captured?.amount ?? 0) > 0);
  const captured = paid.reduce((n, p) => n + p.captured!.amount, 0);
  if (paid.length < 2 || captured !== total)
    return [
      { side: 'debit', account: clearingOf(mapping, order), amount: total, description: 'Sales collected' },
    ];
  return paid.map((p) => ({
    side: 'debit' as const,
    account: mapping.clearing.byGateway[p.gateway] ?? mapping.clearing.default,
    amount: p.captured!.amount,
    description: 'Sales collected',
  }));
}

/** The journal lines of a refund: the sale's lines reversed, and the money out of the clearing account. */
export function refundJournal(
  mapping: BooksMapping,
  order: Order,
  refund: Order['refunds'][number],
): JournalLine[] {
  const lines = refundLines(mapping, order, refund);
  totalsOf(lines, order.taxesIncluded, refund.amount.amount, `refund ${refund.id} of ${order.externalId}`);
  return [
    ...bookLines(mapping, order, lines, 'debit'),
    {
      side: 'credit',
      account: clearingOf(mapping, order),
      amount: refund.amount.amount,
      description: 'Refunds paid',
    },
  ];
}

const flip = (side: JournalLine['side']): JournalLine['side'] => (side === 'credit' ? 'debit' : 'credit');

/** Lines of a document as journal lines on `side` (discounts on the other), with their tax split out. */
function bookLines(
  mapping: BooksMapping,
  order: Order,
  lines: BooksLine[],
  side: JournalLine['side'],
): JournalLine[] {
  const out: JournalLine[] = [];
  for (const line of lines) {
    const net = order.taxesIncluded ? line.amount - line.tax : line.amount;
    const lineSide = line.kind === 'discount' ? flip(side) : side;
    if (net !== 0)
      out.push({
        side: net > 0 ? lineSide : flip(lineSide),
        account: line.account,
        amount: Math.abs(net),
        description: DESCRIPTIONS[line.kind],
        ...(line.tracking ? { tracking: line.tracking } : {}),
      });
    if (line.tax !== 0) {
      const account = taxAccountOf(mapping, order, line);
      // The tax is booked to its liability account as an amount of its own, so no tax code goes with it: a code
      // on a journal line would make the books compute tax on it again (Xero), or need more (QuickBooks).
      out.push({
        side: line.tax > 0 ? lineSide : flip(lineSide),
        account,
        amount: Math.abs(line.tax),
        description: `Sales tax${line.taxCode ? ` (${line.taxCode})` : ''}`,
      });
    }
  }
  return out;
}

const DESCRIPTIONS: Record<BooksLine['kind'], string> = {
  item: 'Sales',
  shipping: 'Shipping income',
  discount: 'Discounts',
  adjustment: 'Other charges',
};

function taxAccountOf(mapping: BooksMapping, order: Order, line: BooksLine): string {
  const { byTitle, byRate, default: fallback } = mapping.taxes;
  const entries = [...Object.values(byTitle), ...Object.values(byRate), ...(fallback ? [fallback] : [])];
  const account = entries.find((e) => e.code === line.taxCode && e.account)?.account ?? mapping.taxes.account;
  if (!account)
    throw new BooksMappingError(
      `no liability account for the tax${line.taxCode ? ` ${line.taxCode}` : ''} of ${order.externalId}`,
      'set accounting.mapping.taxes.account, or an account on the tax code (a daily summary books tax to it)',
    );
  return account;
}

/** Journal lines added up: one line per account, side, tax code and tracking, in a stable order. */
export function sumJournal(lines: readonly JournalLine[]): JournalLine[] {
  const sums = new Map<string, JournalLine>();
  for (const line of lines) {
    const key = JSON.stringify([
      line.account,
      line.side,
      line.taxCode ?? '',
      line.tracking ?? {},
      line.description,
    ]);
    const held = sums.get(key);
    if (held) held.amount += line.amount;
    else sums.set(key, { ...line });
  }
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, line]) => line);
}

/** Debits and credits of journal lines (minor units). */
export function journalSides(lines: readonly JournalLine[]): { debits: number; credits: number } {
  let debits = 0;
  let credits = 0;
  for (const l of lines) {
    if (l.side === 'debit') debits += l.amount;
    else credits += l.amount;
  }
  return { debits, credits };
}
