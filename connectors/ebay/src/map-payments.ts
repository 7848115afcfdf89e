import { type Money, money } from '@switchyard/core';
import type { EbayOrder } from './ebay-order.ts';
import type { MoneyReader } from './map-lines.ts';

export function isoOf(value: string, where: string): string {
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new Error(`${where} "${value}" is not an ISO 8601 date`);
  return new Date(at).toISOString();
}

interface MappedRefund {
  id: string;
  externalId?: string;
  amount: Money;
  reason?: string;
  at?: string;
}

/** The id eBay gives a refund (refundId for issueRefund's, refundReferenceId for the others), if any. */
const idOf = (r: { refundId?: string | null; refundReferenceId?: string | null }) =>
  r.refundId ?? r.refundReferenceId ?? undefined;

/**
 * The refunds eBay has issued: the order's (`paymentSummary.refunds`, status REFUNDED) and each line's
 * (`lineItems[].refunds`, issued once dated; eBay lists them there only). eBay's amounts are the seller's net:
 * "eBay-collected tax will not be included in this amount, so the actual amount of the buyer's refund may be
 * higher". For a fully refunded order eBay returned its collected tax to the buyer too, so it is one more refund,
 * and the refunds add up to what the buyer paid. For a partial refund eBay does not say how much of its tax went
 * back: the refunds are its net figures (README, Mapping).
 */
export function refundsOf(o: EbayOrder, m: MoneyReader, remittedTax: Money): MappedRefund[] {
  const refunds: MappedRefund[] = (o.paymentSummary?.refunds ?? [])
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.refundStatus === 'REFUNDED' && r.amount)
    .map(({ r, i }) => {
      const id = idOf(r);
      return {
        id: id ?? `ebay-refund-${i + 1}`,
        ...(id ? { externalId: id } : {}),
        amount: m.read(r.amount!, `paymentSummary.refunds[${i}].amount`),
        ...(r.refundDate ? { at: isoOf(r.refundDate, `paymentSummary.refunds[${i}].refundDate`) } : {}),
      };
    });
  o.lineItems.forEach((li, l) => {
    (li.refunds ?? []).forEach((r, i) => {
      if (!r.amount || !r.refundDate) return;
      const id = idOf(r);
      if (id && refunds.some((x) => x.externalId === id)) return;
      refunds.push({
        id: id ?? `ebay-refund-${li.lineItemId}-${i + 1}`,
        ...(id ? { externalId: id } : {}),
        amount: m.read(r.amount, `lineItems[${l}].refunds[${i}].amount`),
        reason: `refund of line item ${li.lineItemId}`,
        at: isoOf(r.refundDate, `lineItems[${l}].refunds[${i}].refundDate`),
      });
    });
  });
  const net = refunds.reduce((sum, r) => sum + r.amount.amount, 0);
  const total = m.read(o.pricingSummary.total, 'pricingSummary.total').amount;
  if (
    o.orderPaymentStatus === 'FULLY_REFUNDED' &&
    refunds.length &&
    remittedTax.amount > 0 &&
    net + remittedTax.amount <= total
  ) {
    const last = refunds
      .map((r) => r.at)
      .filter((at): at is string => !!at)
      .sort()
      .at(-1);
    refunds.push({
      id: 'ebay-collected-tax-refund',
      amount: remittedTax,
      reason:
        'eBay-collected tax returned to the buyer by eBay (eBay’s refund amounts are the seller’s net, without it)',
      ...(last ? { at: last } : {}),
    });
  }
  return refunds;
}

/** eBay's payments (managed payments: eBay's to pay out, nothing for the hub to capture), with what was refunded. */
export function paymentsOf(o: EbayOrder, m: MoneyReader, refunds: MappedRefund[]) {
  const refundedState =
    o.orderPaymentStatus === 'FULLY_REFUNDED'
      ? ('refunded' as const)
      : o.orderPaymentStatus === 'PARTIALLY_REFUNDED'
        ? ('partially_refunded' as const)
        : undefined;
  const refunded = refunds.reduce((sum, r) => sum + r.amount.amount, 0);
  return (o.paymentSummary?.payments ?? []).map((p, i) => {
    const amount = p.amount ? m.read(p.amount, `paymentSummary.payments[${i}].amount`) : undefined;
    const paid = p.paymentStatus === 'PAID';
    const method = p.paymentMethod && p.paymentMethod !== 'EBAY' ? `:${p.paymentMethod.toLowerCase()}` : '';
    return {
      id: p.paymentReferenceId ?? `ebay-payment-${i + 1}`,
      status: paid ? (refundedState ?? 'captured') : p.paymentStatus === 'FAILED' ? 'failed' : 'pending',
      gateway: `ebay${method}`,
      ...(p.paymentReferenceId ? { reference: p.paymentReferenceId } : {}),
      ...(amount && paid ? { captured: amount } : {}),
      ...(amount && paid && refundedState && refunded
        ? { refunded: money(Math.min(refunded, amount.amount), amount.currency) }
        : {}),
      ...(p.paymentDate ? { at: isoOf(p.paymentDate, `paymentSummary.payments[${i}].paymentDate`) } : {}),
    } as const;
  });
}
