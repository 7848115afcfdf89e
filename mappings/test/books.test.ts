import { type Order, OrderDraft, type OrderDraftInput } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import {
  BooksMapping,
  BooksMappingError,
  journalSides,
  refundDocument,
  refundJournal,
  saleDocument,
  saleJournal,
  sumJournal,
} from '../src/index.ts';

const mapping = BooksMapping.parse({
  accounts: { income: '400', shippingIncome: '410', discounts: '420', refunds: '430' },
  clearing: { default: '610', byGateway: { stripe: '611' } },
  items: { default: 'ITEM-1', shipping: 'SHIP', bySku: { MUG: { item: 'ITEM-MUG', account: '401' } } },
  taxes: { byTitle: { 'CA State Tax': { code: 'TAX', account: '220' } }, exempt: 'NON' },
  customer: { mode: 'single', ref: 'CUST-SHOPIFY' },
});

const usd = (amount: number) => ({ amount, currency: 'USD' });

function order(over: Partial<OrderDraftInput> = {}): Order {
  const draft = OrderDraft.parse({
    externalId: '9001',
    externalNumber: '#1001',
    currency: 'USD',
    placedAt: '2026-12-04T15:00:00Z',
    updatedAt: '2026-12-04T15:00:00Z',
    lines: [
      {
        id: 'l1',
        sku: 'MUG',
        title: 'Mug',
        quantity: { ordered: 3 },
        unitPrice: usd(1250),
        discounts: [{ code: 'TEN', amount: usd(375) }],
        taxLines: [{ title: 'CA State Tax', rate: '0.0725', amount: usd(245) }],
      },
      { id: 'l2', sku: 'CARD', title: 'Card', quantity: { ordered: 1 }, unitPrice: usd(500) },
    ],
    shippingLines: [{ code: 'std', title: 'Standard', price: usd(799) }],
    totals: { items: usd(4250), discount: usd(375), shipping: usd(799), tax: usd(245), total: usd(4919) },
    payments: [{ id: 'p1', status: 'captured', gateway: 'stripe', captured: usd(4919) }],
    ...over,
  });
  return {
    ...draft,
    id: 'ord_1',
    tenantId: 't',
    source: { connectionId: 'shop', connector: 'shopify' },
    version: 1,
  };
}

describe('the books documents of an order', () => {
  it('makes a sales receipt whose lines come to the order total to the cent', () => {
    const doc = saleDocument(mapping, order(), { key: 'sale:ord_1', date: '2026-12-04', depositTo: '611' });
    expect(doc.kind).toBe('sales-receipt');
    expect(doc.number).toBe('1001');
    expect(doc.totals).toEqual({ net: 4674, tax: 245, total: 4919 });
    expect(doc.lines.map((l) => [l.kind, l.item, l.account, l.amount, l.tax, l.taxCode])).toEqual([
      ['item', 'ITEM-MUG', '401', 3750, 245, 'TAX'],
      ['item', 'ITEM-1', '400', 500, 0, 'NON'],
      ['shipping', 'SHIP', '410', 799, 0, 'NON'],
      ['discount', undefined, '420', 375, 0, undefined],
    ]);
    expect(doc.customer).toEqual({ ref: 'CUST-SHOPIFY', name: 'CUST-SHOPIFY' });
  });

  it('makes an invoice with its due date when asked', () => {
    const doc = saleDocument(mapping, order(), { key: 'sale:ord_1', date: '2026-12-04', due: '2027-01-03' });
    expect(doc).toMatchObject({ kind: 'invoice', due: '2027-01-03' });
    expect(doc.depositTo).toBeUndefined();
  });

  it('names the mapping entry to add when a tax has no code', () => {
    const taxed = order({
      lines: [
        {
          id: 'l1',
          title: 'Mug',
          quantity: { ordered: 1 },
          unitPrice: usd(1000),
          taxLines: [{ title: 'NY Tax', amount: usd(80) }],
        },
      ],
      shippingLines: [],
      totals: { items: usd(1000), discount: usd(0), shipping: usd(0), tax: usd(80), total: usd(1080) },
    });
    expect(() => saleDocument(mapping, taxed, { key: 'k', date: '2026-12-04' })).toThrow(BooksMappingError);
    expect(() => saleDocument(mapping, taxed, { key: 'k', date: '2026-12-04' })).toThrow(
      /no tax code for "NY Tax".*taxes\.byTitle or taxes\.byRate, or set taxes\.default/,
    );
  });

  it('refuses an order whose totals do not add up', () => {
    const wrong = order({
      totals: { items: usd(4250), discount: usd(375), shipping: usd(799), tax: usd(245), total: usd(4920) },
    });
    expect(() => saleDocument(mapping, wrong, { key: 'k', date: '2026-12-04' })).toThrow(
      /adds up to 4919 .* total is 4920/,
    );
  });

  it('refunds a line at its share, and the rest on the refunds account', () => {
    const refunded = order({
      refunds: [{ id: 'r1', amount: usd(1500), lines: [{ lineId: 'l1', quantity: 1 }] }],
    });
    const refund = refunded.refunds[0]!;
    const doc = refundDocument(mapping, refunded, refund, {
      key: 'refund:ord_1:r1',
      date: '2026-12-05',
      sale: { kind: 'sales-receipt', externalId: '77' },
      refundFrom: '611',
    });
    // 1 mug: 1250 + its tax 82 (245 × 1/3) = 1332; the other 168 of the 1500 refunded is beyond the lines.
    expect(doc.lines.map((l) => [l.kind, l.amount, l.tax])).toEqual([
      ['item', 1250, 82],
      ['adjustment', 160, 8],
    ]);
    expect(doc.totals.total).toBe(1500);
  });
});

describe('a refund of part of a line', () => {
  it('reverses the tax in proportion, and keeps the rest back as a discount', () => {
    // One mug is 12.50 + 0.82 tax; 6.66 of it is refunded: half the tax (0.41) goes back with it.
    const refunded = order({
      refunds: [{ id: 'r2', amount: usd(666), lines: [{ lineId: 'l1', quantity: 1 }] }],
    });
    const doc = refundDocument(mapping, refunded, refunded.refunds[0]!, {
      key: 'refund:ord_1:r2',
      date: '2026-12-05',
      sale: { kind: 'sales-receipt', externalId: '77' },
      refundFrom: '611',
    });
    expect(doc.lines.map((l) => [l.kind, l.amount, l.tax])).toEqual([
      ['item', 1250, 41],
      ['discount', 625, 0],
    ]);
    expect(doc.totals).toEqual({ net: 625, tax: 41, total: 666 });
  });
});

describe('the daily journal', () => {
  it('debits each gateway its own captures when several paid the order', () => {
    const split = order({
      payments: [
        { id: 'p1', status: 'captured', gateway: 'stripe', captured: usd(4000) },
        { id: 'p2', status: 'captured', gateway: 'gift_card', captured: usd(919) },
      ],
    });
    const debits = saleJournal(mapping, split).filter((l) => l.description === 'Sales collected');
    expect(debits.map((l) => [l.account, l.amount])).toEqual([
      ['611', 4000],
      ['610', 919],
    ]);
  });

  it('balances for each order, and for the day', () => {
    const a = order();
    const b = order({
      taxesIncluded: true,
      totals: { items: usd(4250), discount: usd(375), shipping: usd(799), tax: usd(245), total: usd(4674) },
      payments: [],
    });
    const refunded = order({ refunds: [{ id: 'r1', amount: usd(1000), lines: [] }] });
    const lines = [
      ...saleJournal(mapping, a),
      ...saleJournal(mapping, b),
      ...refundJournal(mapping, refunded, refunded.refunds[0]!),
    ];
    for (const part of [saleJournal(mapping, a), saleJournal(mapping, b)]) {
      const { debits, credits } = journalSides(part);
      expect(debits).toBe(credits);
    }
    const day = sumJournal(lines);
    const { debits, credits } = journalSides(day);
    expect(debits).toBe(credits);
    // Clearing: a's 4919 to stripe's account, b's 4674 to the default; the refund's 1000 out of stripe's.
    expect(day.filter((l) => l.account === '611').map((l) => [l.side, l.amount])).toEqual([
      ['credit', 1000],
      ['debit', 4919],
    ]);
    expect(day.find((l) => l.account === '610')).toMatchObject({ side: 'debit', amount: 4674 });
  });

  it('needs a liability account for tax in a journal', () => {
    const noAccount = BooksMapping.parse({
      ...mapping,
      taxes: { byTitle: { 'CA State Tax': { code: 'TAX' } } },
    });
    expect(() => saleJournal(noAccount, order())).toThrow(/no liability account for the tax TAX/);
  });
});
