import type {
  FeeDocument,
  JournalDocument,
  PaymentDocument,
  RefundDocument,
  SaleDocument,
} from '@switchyard/core';

/**
 * Books documents as the hub builds them from an order and the merchant's books mapping: a web order of two
 * mugs and shipping, taxed 8.25 % (the US organisation's "TAX001" rate), a discount code, paid by card.
 */
export function sale(key: string, overrides: Partial<SaleDocument> = {}): SaleDocument {
  return {
    kind: 'sales-receipt',
    key,
    date: '2026-12-03',
    currency: 'USD',
    memo: 'Shopify order #1042',
    number: `SH-${key.replace(/\D+/g, '')}`,
    customer: { ref: 'c0ffee00-0000-4000-8000-000000000001', name: 'Shopify customer' },
    taxesIncluded: false,
    depositTo: '1210',
    lines: [
      {
        kind: 'item',
        description: 'Enamel camp mug, forest green',
        item: 'MUG-GRN',
        account: '4000',
        quantity: 2,
        unitAmount: 1800,
        amount: 3600,
        taxCode: 'TAX001',
        tax: 297,
        tracking: { categories: { Channel: 'Shopify' } },
      },
      {
        kind: 'shipping',
        description: 'Shipping: UPS Ground',
        account: '4100',
        quantity: 1,
        unitAmount: 795,
        amount: 795,
        taxCode: 'TAX001',
        tax: 66,
      },
      {
        kind: 'discount',
        description: 'Discount code WELCOME10',
        account: '4900',
        quantity: 1,
        unitAmount: 360,
        amount: 360,
        taxCode: 'TAX001',
        // The tax the discount takes off (a discount line's figures are positive: the amount taken off).
        tax: 30,
      },
    ],
    totals: { net: 4035, tax: 333, total: 4368 },
    ...overrides,
  };
}

export function invoice(key: string, overrides: Partial<SaleDocument> = {}): SaleDocument {
  const { depositTo: _, ...rest } = sale(key);
  return {
    ...rest,
    kind: 'invoice',
    memo: 'B2B order PO-7781',
    customer: { name: 'Northwind Camping Co.', email: 'ap@northwind.example' },
    due: '2027-01-02',
    poNumber: 'PO-7781',
    ...overrides,
  };
}

export function payment(key: string, invoiceId: string, amount: number): PaymentDocument {
  return {
    kind: 'payment',
    key,
    date: '2026-12-20',
    currency: 'USD',
    memo: 'Payment for invoice SH-1042',
    invoice: invoiceId,
    amount,
    depositTo: '1000',
    customer: { name: 'Northwind Camping Co.' },
    reference: 'ACH 88231',
  };
}

export function refund(key: string, saleId: string, allocate = false): RefundDocument {
  return {
    kind: 'refund',
    key,
    date: '2026-12-05',
    currency: 'USD',
    memo: 'Refund of one mug, order #1042',
    sale: { kind: allocate ? 'invoice' : 'sales-receipt', externalId: saleId },
    number: `RF-${key.replace(/\D+/g, '-').replace(/^-|-$/g, '')}`,
    // The sale's customer, found by name: the one-customer mapping of a shop, or the B2B buyer invoiced.
    customer: { name: allocate ? 'Northwind Camping Co.' : 'Shopify customer' },
    taxesIncluded: false,
    refundFrom: '1210',
    ...(allocate ? { allocate: true } : {}),
    lines: [
      {
        kind: 'item',
        description: 'Enamel camp mug, forest green (returned)',
        item: 'MUG-GRN',
        account: '4000',
        quantity: 1,
        unitAmount: 1800,
        amount: 1800,
        taxCode: 'TAX001',
        tax: 149,
      },
    ],
    totals: { net: 1800, tax: 149, total: 1949 },
  };
}

export function journal(key: string, overrides: Partial<JournalDocument> = {}): JournalDocument {
  return {
    kind: 'journal',
    key,
    date: '2026-12-03',
    currency: 'USD',
    memo: 'Shopify sales of 2026-12-03',
    number: 'DAY-2026-12-03',
    lines: [
      { side: 'debit', account: '1210', amount: 52_410, description: 'Card payments received' },
      {
        side: 'credit',
        account: '4000',
        amount: 45_200,
        description: 'Sales',
        tracking: { categories: { Channel: 'Shopify' } },
      },
      { side: 'credit', account: '4100', amount: 3_210, description: 'Shipping charged' },
      {
        side: 'credit',
        account: '2200',
        amount: 4_000,
        description: 'Sales tax collected',
        taxCode: 'TAX001',
      },
    ],
    ...overrides,
  };
}

export function fee(key: string, overrides: Partial<FeeDocument> = {}): FeeDocument {
  return {
    kind: 'fee',
    key,
    date: '2026-12-03',
    currency: 'USD',
    memo: 'Stripe fee on ch_3Q…',
    amount: 157,
    account: '6110',
    paidFrom: '1210',
    description: 'Stripe processing fee, order #1042',
    ...overrides,
  };
}
