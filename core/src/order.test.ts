import { describe, expect, it } from 'vitest';
import { money } from './money.ts';
import {
  assertTransition,
  canTransition,
  checkTotals,
  computeTotals,
  OrderDraft,
  type OrderDraftInput,
  OrderStatus,
  TRANSITIONS,
  TransitionError,
} from './order.ts';

const usd = (n: number) => money(n, 'USD');

function draft(overrides: Partial<OrderDraftInput> = {}): OrderDraftInput {
  const base: Omit<OrderDraftInput, 'totals'> = {
    externalId: '1001',
    currency: 'USD',
    placedAt: '2026-11-20T10:00:00Z',
    updatedAt: '2026-11-20T10:00:00Z',
    lines: [
      {
        id: 'a',
        title: 'Shirt',
        quantity: { ordered: 2 },
        unitPrice: usd(2400),
        discounts: [{ amount: usd(480) }],
        taxLines: [{ title: 'tax', amount: usd(313) }],
      },
      { id: 'b', title: 'Mug', quantity: { ordered: 1 }, unitPrice: usd(1550) },
    ],
    shippingLines: [{ code: 'ground', price: usd(795), discounts: [{ amount: usd(100) }] }],
    discounts: [{ code: 'LOYAL', amount: usd(50) }],
  };
  return { ...base, totals: computeTotals(base), ...overrides };
}

describe('order status', () => {
  it('moves forward along the main chain, never back', () => {
    expect(canTransition('placed', 'accepted')).toBe(true);
    expect(canTransition('placed', 'shipped')).toBe(true);
    expect(canTransition('shipped', 'delivered')).toBe(true);
    expect(canTransition('shipped', 'placed')).toBe(false);
    expect(canTransition('delivered', 'in_fulfillment')).toBe(false);
  });

  it('allows hold and cancel only while the order is open', () => {
    expect(canTransition('accepted', 'on_hold')).toBe(true);
    expect(canTransition('on_hold', 'accepted')).toBe(true);
    expect(canTransition('partially_shipped', 'cancelled')).toBe(true);
    expect(canTransition('shipped', 'cancelled')).toBe(false);
    expect(canTransition('delivered', 'cancelled')).toBe(false);
    expect(canTransition('shipped', 'on_hold')).toBe(false);
  });

  it('treats closed as final and every status as reachable from placed or a branch', () => {
    expect(TRANSITIONS.closed).toEqual([]);
    const reachable = new Set<string>(['placed']);
    for (const from of OrderStatus.options) for (const to of TRANSITIONS[from]) reachable.add(to);
    expect([...reachable].sort()).toEqual([...OrderStatus.options].sort());
  });

  it('rejects an illegal transition with what is allowed', () => {
    expect(() => assertTransition('delivered', 'cancelled')).toThrow(TransitionError);
    expect(() => assertTransition('delivered', 'cancelled')).toThrow(
      'from "delivered" it may go to "closed"',
    );
    expect(() => assertTransition('closed', 'placed')).toThrow('nothing (it is final)');
  });
});

describe('order totals', () => {
  it('computes totals that add up exactly', () => {
    const d = OrderDraft.parse(draft());
    expect(d.totals.items.amount).toBe(2 * 2400 + 1550);
    expect(d.totals.discount.amount).toBe(480 + 100 + 50);
    expect(d.totals.shipping.amount).toBe(795);
    expect(d.totals.tax.amount).toBe(313);
    expect(d.totals.total.amount).toBe(6350 - 630 + 795 + 313);
    expect(checkTotals(d)).toEqual([]);
  });

  it('does not add tax again when prices include it', () => {
    const base = { ...draft(), taxesIncluded: true };
    const { totals: _t, ...rest } = base;
    const d = OrderDraft.parse({ ...base, totals: computeTotals(rest) });
    expect(d.totals.total.amount).toBe(6350 - 630 + 795);
    expect(checkTotals(d)).toEqual([]);
  });

  it('counts adjustments (fees, tips, duties) and their taxes in the total', () => {
    const { totals: _t, ...base } = draft();
    const withFees = {
      ...base,
      adjustments: [
        { kind: 'tip' as const, title: 'Tip', amount: usd(300) },
        {
          kind: 'fee' as const,
          title: 'Gift wrap',
          amount: usd(250),
          taxLines: [{ title: 'tax', amount: usd(20) }],
        },
      ],
    };
    const totals = computeTotals(withFees);
    expect(totals.adjustments).toEqual(usd(550));
    expect(totals.tax).toEqual(usd(313 + 20));
    expect(totals.total.amount).toBe(6350 - 630 + 795 + 550 + 333);
    expect(checkTotals(OrderDraft.parse({ ...withFees, totals }))).toEqual([]);
    const { adjustments: _a, ...forgotten } = totals;
    expect(checkTotals(OrderDraft.parse({ ...withFees, totals: forgotten }))).toContain(
      'totals.adjustments is 0.00 USD but the lines add up to 5.50',
    );
  });

  it('reports a total that does not add up, in the currency’s units', () => {
    const d = OrderDraft.parse(draft());
    const wrong = { ...d, totals: { ...d.totals, total: usd(d.totals.total.amount + 1) } };
    expect(checkTotals(wrong)).toEqual(['totals.total is 68.29 USD but the lines add up to 68.28']);
  });

  it('reports an amount in another currency', () => {
    const d = OrderDraft.parse(draft());
    const mixed = { ...d, lines: [{ ...d.lines[0]!, unitPrice: money(2400, 'EUR') }, d.lines[1]!] };
    expect(checkTotals(mixed)).toContain('lines[0].unitPrice is in EUR, the order is in USD');
  });

  it('refuses floats, non-string ids and orders without lines', () => {
    expect(OrderDraft.safeParse(draft({ lines: [] })).success).toBe(false);
    const float = draft();
    (float.lines[0] as { unitPrice: unknown }).unitPrice = { amount: 24.5, currency: 'USD' };
    expect(OrderDraft.safeParse(float).success).toBe(false);
    expect(OrderDraft.safeParse({ ...draft(), externalId: 1001 }).success).toBe(false);
  });
});
