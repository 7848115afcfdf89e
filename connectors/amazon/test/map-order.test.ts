import { checkTotals, OrderDraft } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { mapOrder, TAGS } from '../src/map-order.ts';
import { AmazonOrder } from '../src/order-shape.ts';
import { amazonStatus, canonicalStatus } from '../src/status.ts';
import { readOrderChange } from '../src/webhook.ts';
import { amazonOrder, orderChange, sampleOrder } from './fakes/index.ts';

/** The mapping's decisions beyond the golden files: statuses, FBA, cancellation requests, money edge cases. */
const map = (raw: unknown) => OrderDraft.parse(mapOrder(AmazonOrder.parse(raw)));
const body = (o: unknown) => ({ body: new Uint8Array(Buffer.from(JSON.stringify(o))) });

describe('statuses', () => {
  it('reads the API’s UPPER_SNAKE and the notifications’ CamelCase alike', () => {
    const pairs = [
      ['Pending', 'PENDING'],
      ['PendingAvailability', 'PENDING_AVAILABILITY'],
      ['Unshipped', 'UNSHIPPED'],
      ['PartiallyShipped', 'PARTIALLY_SHIPPED'],
      ['Shipped', 'SHIPPED'],
      ['InvoiceUnconfirmed', 'SHIPPED'],
      ['Canceled', 'CANCELLED'],
      ['Unfulfillable', 'UNFULFILLABLE'],
    ];
    for (const [camel, upper] of pairs) {
      expect(amazonStatus(camel), camel).toBe(upper);
      expect(amazonStatus(upper), upper).toBe(upper);
    }
    expect(amazonStatus('Misplaced')).toBeUndefined();
    const change = readOrderChange(body(orderChange('113-1-1', { sellerId: 'S', status: 'Canceled' })));
    expect(change).toMatchObject({ type: 'ORDER_CHANGE', orderId: '113-1-1', status: 'CANCELLED' });
  });

  it('holds a pending order (no payment, no address, must not ship) and places it once Amazon says UNSHIPPED', () => {
    expect(
      map(sampleOrder('113-0000001-0000001', '2026-11-30T12:00:00Z', { status: 'PENDING' })).status,
    ).toBe('on_hold');
    expect(map(sampleOrder('113-0000001-0000001', '2026-11-30T12:05:00Z')).status).toBe('placed');
    expect(canonicalStatus('PARTIALLY_SHIPPED', false)).toBe('partially_shipped');
    expect(canonicalStatus('UNFULFILLABLE', true)).toBe('on_hold');
  });

  it('imports an Amazon-fulfilled order as Amazon’s: never placed, tagged, without a ship-by deadline', () => {
    for (const status of ['PENDING', 'UNSHIPPED'] as const) {
      const draft = map(
        sampleOrder('114-0000001-0000001', '2026-11-30T12:00:00Z', { status, fulfilledBy: 'AMAZON' }),
      );
      expect(draft.status).toBe('in_fulfillment');
      expect(draft.tags).toContain(TAGS.fba);
      expect(draft.shipBy).toBeUndefined();
    }
    expect(
      map(
        sampleOrder('114-0000001-0000001', '2026-11-30T12:00:00Z', {
          status: 'SHIPPED',
          fulfilledBy: 'AMAZON',
        }),
      ).status,
    ).toBe('shipped');
  });

  it('holds an order whose buyer asked to cancel some items, for a person to decide', () => {
    const raw = sampleOrder('113-0000002-0000002', '2026-11-30T12:00:00Z');
    (raw.orderItems as { cancellation?: unknown }[])[0]!.cancellation = {
      cancellationRequest: { requester: 'BUYER', cancelReason: 'Wrong colour' },
    };
    const draft = map(raw);
    expect(draft.status).toBe('on_hold');
    expect(draft.tags).toContain(TAGS.cancelRequested);
    expect(draft.attributes['amazon.cancelRequestReason']).toBe('Wrong colour');
  });
});

describe('money', () => {
  it('keeps Amazon’s item proceeds when a unit price does not multiply out, the cent as rounding', () => {
    const raw = amazonOrder({
      id: '113-0000003-0000003',
      updatedAt: '2026-11-30T12:00:00Z',
      items: [{ id: '1', sku: 'PEN', quantity: 3, unitPrice: '3.33' }],
    });
    const item = (
      raw.orderItems as {
        proceeds: { breakdowns: { subtotal: { amount: string } }[]; proceedsTotal: { amount: string } };
      }[]
    )[0]!;
    item.proceeds.breakdowns[0]!.subtotal.amount = '10.00';
    item.proceeds.proceedsTotal.amount = '10.00';
    (raw.proceeds as { grandTotal: { amount: string } }).grandTotal.amount = '10.00';
    const draft = map(raw);
    expect(draft.lines[0]!.unitPrice.amount).toBe(333);
    expect(draft.adjustments).toEqual([
      expect.objectContaining({ kind: 'rounding', amount: { amount: 1, currency: 'USD' } }),
    ]);
    expect(checkTotals(draft)).toEqual([]);
  });

  it('takes a pending order’s currency from its marketplace when it states no amount yet', () => {
    const raw = sampleOrder('171-0000004-0000004', '2026-11-30T12:00:00Z', {
      status: 'PENDING',
      marketplaceId: 'A1F83G8C2ARO7P',
    });
    delete raw.proceeds;
    for (const item of raw.orderItems as Record<string, unknown>[]) {
      delete item.proceeds;
      delete (item.product as Record<string, unknown>).price;
    }
    const draft = map(raw);
    expect(draft).toMatchObject({ currency: 'GBP', status: 'on_hold', totals: { total: { amount: 0 } } });
  });

  it('names the difference when Amazon’s sums are not the items’', () => {
    const raw = sampleOrder('113-0000005-0000005', '2026-11-30T12:00:00Z');
    const tax = (
      raw.proceeds as { breakdowns: { type: string; subtotal: { amount: string } }[] }
    ).breakdowns.find((b) => b.type === 'TAX')!;
    tax.subtotal.amount = '5.00';
    expect(() => map(raw)).toThrow(
      /order 113-0000005-0000005: the order’s TAX is 5.00 USD but the items add up to 4.40/,
    );
  });

  it('keeps an item Amazon zeroed on cancellation as a line all cancelled, beside the items still to ship', () => {
    const raw = sampleOrder('113-0000007-0000007', '2026-11-30T12:00:00Z');
    const items = raw.orderItems as Record<string, unknown>[];
    const zeroed = items[1]!;
    const kept = (raw.proceeds as { breakdowns: { type: string; subtotal: { amount: string } }[] })
      .breakdowns;
    // Only the first item is charged now: the order's sums are its.
    const first = items[0]!.proceeds as { breakdowns: { type: string; subtotal: { amount: string } }[] };
    for (const b of kept)
      b.subtotal.amount = first.breakdowns.find((x) => x.type === b.type)?.subtotal.amount ?? '0.00';
    (raw.proceeds as { grandTotal: { amount: string } }).grandTotal.amount = (
      items[0]!.proceeds as { proceedsTotal: { amount: string } }
    ).proceedsTotal.amount;
    Object.assign(zeroed, {
      quantityOrdered: 0,
      proceeds: { proceedsTotal: { amount: '0.00', currencyCode: 'USD' }, breakdowns: [] },
      cancellation: { cancellationExecution: { cancelledBy: 'SELLER', cancelReason: 'NoInventory' } },
      fulfillment: { quantityFulfilled: 0, quantityUnfulfilled: 0 },
    });
    const draft = map(raw);
    expect(draft.status).toBe('placed');
    expect(
      draft.lines.map((l) => [l.id, l.quantity.ordered, l.quantity.cancelled, l.unitPrice.amount]),
    ).toEqual([
      [items[0]!.orderItemId, 2, 0, 1200],
      [zeroed.orderItemId, 1, 1, 0],
    ]);
    expect(checkTotals(draft)).toEqual([]);
  });

  it('takes a discount’s tax off the shipping it discounted, and refuses only a negative tax in all', () => {
    const raw = amazonOrder({
      id: '113-0000008-0000008',
      updatedAt: '2026-11-30T12:00:00Z',
      items: [
        { id: '1', sku: 'BOOK', quantity: 1, unitPrice: '20.00', shipping: '5.99', shippingTax: '0.48' },
      ],
    });
    const item = (raw.orderItems as { proceeds: { breakdowns: Record<string, unknown>[] } }[])[0]!;
    const tax = item.proceeds.breakdowns.find((b) => b.type === 'TAX') as {
      subtotal: { amount: string };
      detailedBreakdowns: { subtype: string; value: { amount: string; currencyCode: string } }[];
    };
    // A free-shipping promotion: the shipping and its tax taken off again.
    tax.detailedBreakdowns.push({ subtype: 'DISCOUNT', value: { amount: '-0.48', currencyCode: 'USD' } });
    tax.subtotal.amount = '0.00';
    item.proceeds.breakdowns.push({
      type: 'DISCOUNT',
      subtotal: { amount: '-5.99', currencyCode: 'USD' },
      detailedBreakdowns: [{ subtype: 'SHIPPING', value: { amount: '-5.99', currencyCode: 'USD' } }],
    });
    const order = raw.proceeds as {
      grandTotal: { amount: string };
      breakdowns: { type: string; subtotal: { amount: string } }[];
    };
    order.grandTotal.amount = '20.00';
    order.breakdowns.find((b) => b.type === 'TAX')!.subtotal.amount = '0.00';
    const draft = map(raw);
    expect(draft.lines[0]!.taxLines).toEqual([]);
    expect(draft.shippingLines[0]).toMatchObject({
      price: { amount: 599 },
      discounts: [{ amount: { amount: 599 } }],
      taxLines: [],
    });
    expect(draft.totals.total.amount).toBe(2000);

    // More tax taken off than there was: that is Amazon's data gone wrong, and said so.
    tax.detailedBreakdowns.at(-1)!.value.amount = '-0.60';
    expect(() => map(raw)).toThrow(
      /item 1 carries a negative tax on its goods and shipping together \(-0.12 USD\)/,
    );
  });

  it('refuses an amount in another currency than the order’s', () => {
    const raw = sampleOrder('113-0000006-0000006', '2026-11-30T12:00:00Z');
    const item = (raw.orderItems as { product: { price: { unitPrice: { currencyCode: string } } } }[])[0]!;
    item.product.price.unitPrice.currencyCode = 'EUR';
    expect(() => map(raw)).toThrow(/unit price is in EUR, the order is in USD/);
  });
});
