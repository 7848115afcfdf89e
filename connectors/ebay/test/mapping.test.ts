import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkTotals, OrderDraft } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { EbayOrder } from '../src/ebay-order.ts';
import { mapOrder } from '../src/map-order.ts';

/** The mapping rules the golden files do not show one by one. */
const fixture = (name: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`fixtures/${name}.json`, import.meta.url)), 'utf8'));
const map = (raw: unknown) => OrderDraft.parse(mapOrder(EbayOrder.parse(raw)));
const usd = (value: string) => ({ value, currency: 'USD' });

describe('eBay-collected tax', () => {
  it('reconciles an order read without TAX_BREAKDOWN, whose total leaves eBay’s collected tax out', () => {
    const paid = fixture('order-paid-tax');
    const line = paid.lineItems[0];
    const without = {
      ...paid,
      pricingSummary: { ...paid.pricingSummary, total: usd('56.48') },
      lineItems: [
        {
          ...line,
          total: usd('56.48'),
          taxes: line.taxes.map((t: { amount: unknown }) => ({ amount: t.amount })),
        },
      ],
    };
    const order = map(without);
    expect(order.totals.total).toEqual({ amount: 6227, currency: 'USD' });
    expect(order.lines[0]!.taxLines[0]!.title).toBe('Tax (collected and remitted by eBay)');
    expect(checkTotals(order)).toEqual([]);
  });

  it('takes a fee eBay collects (not among the taxes) as a fee adjustment', () => {
    const paid = fixture('order-paid-tax');
    const line = paid.lineItems[0];
    const withFee = {
      ...paid,
      pricingSummary: { ...paid.pricingSummary, fee: usd('4.00'), total: usd('66.27') },
      lineItems: [
        {
          ...line,
          ebayCollectAndRemitTaxes: [
            ...line.ebayCollectAndRemitTaxes,
            { taxType: 'TIRE_RECYCLING_FEE', amount: usd('4.00'), collectionMethod: 'NET' },
          ],
        },
      ],
    };
    const order = map(withFee);
    expect(order.adjustments).toEqual([
      expect.objectContaining({ kind: 'fee', amount: { amount: 400, currency: 'USD' } }),
    ]);
    expect(order.totals.total.amount).toBe(6627);
  });
});

describe('lines', () => {
  it('keeps a line cost that does not divide by its quantity to the cent', () => {
    const paid = fixture('order-paid-tax');
    const line = paid.lineItems[0];
    const odd = {
      ...paid,
      pricingSummary: { ...paid.pricingSummary, priceSubtotal: usd('49.99'), total: usd('62.28') },
      lineItems: [{ ...line, lineItemCost: usd('49.99') }],
    };
    const order = map(odd);
    expect(order.lines[0]!.unitPrice.amount).toBe(2499);
    expect(order.adjustments).toEqual([
      expect.objectContaining({ kind: 'rounding', amount: { amount: 1, currency: 'USD' } }),
    ]);
    expect(checkTotals(order)).toEqual([]);
  });
});

describe('status', () => {
  const paid = fixture('order-paid-tax');
  it('holds an order whose buyer asked to cancel, until the seller answers', () => {
    expect(map({ ...paid, cancelStatus: { cancelState: 'IN_PROGRESS', cancelRequests: [] } }).status).toBe(
      'on_hold',
    );
  });
  it('holds an order whose payment is pending', () => {
    expect(map({ ...paid, orderPaymentStatus: 'PENDING' }).status).toBe('on_hold');
  });
  it('never ships an order eBay fulfills itself', () => {
    const order = map({ ...paid, program: { fulfillmentProgram: { fulfilledBy: 'EBAY' } } });
    expect(order.status).toBe('in_fulfillment');
    expect(order.tags).toContain('fulfilled-by-ebay');
  });
  it('cancels on a completed cancel request even before eBay’s cancel state says so', () => {
    const cancelRequests = [
      { cancelRequestId: '1', cancelRequestState: 'COMPLETED', cancelInitiator: 'Buyer' },
    ];
    expect(map({ ...paid, cancelStatus: { cancelState: 'IN_PROGRESS', cancelRequests } }).status).toBe(
      'cancelled',
    );
  });
});

describe('buyer details eBay stops returning', () => {
  it('maps a state read after 90 days with what eBay still gives (no name, phone, email or street)', () => {
    const paid = fixture('order-paid-tax');
    const instruction = paid.fulfillmentStartInstructions[0];
    const { addressLine1: _1, addressLine2: _2, ...address } = instruction.shippingStep.shipTo.contactAddress;
    const late = {
      ...paid,
      lastModifiedDate: '2027-03-10T09:00:00.000Z',
      buyer: { username: paid.buyer.username, taxAddress: paid.buyer.taxAddress },
      fulfillmentStartInstructions: [
        {
          ...instruction,
          shippingStep: { ...instruction.shippingStep, shipTo: { contactAddress: address } },
        },
      ],
    };
    const order = map(late);
    expect(order.customer).toEqual({ externalId: 'blue.heron_77' });
    expect(order.shippingAddress).toEqual({
      city: 'Seattle',
      region: 'WA',
      postalCode: '98103-7310',
      country: 'US',
    });
    // The first state, read at intake, had them (golden order-paid-tax.json).
    expect(map(paid).customer).toMatchObject({
      name: 'Margaret Hale',
      email: '7a3c1f0e2b9d@members.ebay.com',
    });
  });
});

describe('refunds', () => {
  const sum = (refunds: { amount: { amount: number } }[]) => refunds.reduce((n, r) => n + r.amount.amount, 0);

  it('reads the refunds eBay lists on a line only (not in paymentSummary.refunds); one not issued yet is left out', () => {
    const paid = fixture('order-paid-tax');
    const line = paid.lineItems[0];
    const order = map({
      ...paid,
      orderPaymentStatus: 'PARTIALLY_REFUNDED',
      paymentSummary: { ...paid.paymentSummary, refunds: [] },
      lineItems: [
        {
          ...line,
          refunds: [
            { refundId: '5000111222', amount: usd('10.00'), refundDate: '2026-11-29T10:00:00.000Z' },
            // Asked for, not issued yet: no refundDate.
            { refundId: '5000111223', amount: usd('5.00') },
          ],
        },
      ],
    });
    expect(order.refunds).toEqual([
      {
        id: '5000111222',
        externalId: '5000111222',
        amount: { amount: 1000, currency: 'USD' },
        reason: `refund of line item ${line.lineItemId}`,
        at: '2026-11-29T10:00:00.000Z',
        lines: [],
      },
    ]);
    expect(order.payments[0]).toMatchObject({
      status: 'partially_refunded',
      refunded: { amount: 1000, currency: 'USD' },
    });
  });

  it('reconciles a fully refunded order: eBay’s net refunds and the tax eBay collected come to what the buyer paid', () => {
    const cancelled = fixture('order-cancelled');
    const [refund] = cancelled.paymentSummary.refunds;
    // The same refund, as eBay lists it at the order level and as it would list a line's.
    const atLine = {
      ...cancelled,
      paymentSummary: { ...cancelled.paymentSummary, refunds: [] },
      lineItems: [
        {
          ...cancelled.lineItems[0],
          refunds: [{ refundId: refund.refundId, amount: refund.amount, refundDate: refund.refundDate }],
        },
      ],
    };
    for (const raw of [cancelled, atLine]) {
      const order = map(raw);
      // eBay's refund is its net 89.00; the 8.54 it collected went back to the buyer too.
      expect(order.refunds.map((r) => r.amount.amount)).toEqual([8900, 854]);
      expect(order.refunds[1]).toMatchObject({ id: 'ebay-collected-tax-refund' });
      expect(sum(order.refunds)).toBe(order.totals.total.amount);
      expect(order.payments[0]).toMatchObject({ status: 'refunded', captured: order.totals.total });
      expect(order.payments[0]!.refunded).toEqual(order.totals.total);
    }
  });
});
