import type {
  BooksDocument,
  BooksLine,
  FeeDocument,
  JournalDocument,
  PaymentDocument,
  RefundDocument,
  SaleDocument,
} from '@switchyard/core';

/**
 * Documents as the hub builds them from an order and a merchant's mapping (mappings/books-documents.ts): gross
 * item lines, shipping as an item line, one discount line, the order's own tax per line, totals to the cent.
 */
const tracking = { class: '5000000000000022', location: '2' };

export const usLines: BooksLine[] = [
  {
    kind: 'item',
    description: 'Stoneware mug (MUG-1)',
    item: '11',
    account: '79',
    quantity: 2,
    unitAmount: 1299,
    amount: 2598,
    taxCode: 'TAX',
    tax: 214,
    tracking,
  },
  {
    kind: 'item',
    description: 'Tea towel (TOWEL-1)',
    item: '12',
    account: '79',
    quantity: 1,
    unitAmount: 950,
    amount: 950,
    taxCode: 'TAX',
    tax: 78,
    tracking,
  },
  {
    kind: 'shipping',
    description: 'Standard shipping',
    item: '20',
    account: '83',
    quantity: 1,
    unitAmount: 599,
    amount: 599,
    taxCode: 'NON',
    tax: 0,
    tracking,
  },
  {
    kind: 'discount',
    description: 'Discount (WELCOME5)',
    account: '86',
    quantity: 1,
    unitAmount: 500,
    amount: 500,
    tax: 0,
    tracking,
  },
];

/** A paid Shopify order: 25.98 + 9.50 + 5.99 shipping − 5.00 discount = 36.47, tax 2.92, total 39.39. */
export function salesReceipt(key = 'sale:ord_01JSALE', overrides: Partial<SaleDocument> = {}): SaleDocument {
  return {
    kind: 'sales-receipt',
    key,
    date: '2026-11-20',
    currency: 'USD',
    memo: 'shopify order #1001 (ord_01JSALE)',
    number: '1001',
    customer: { ref: '58', name: 'Shopify customer' },
    lines: usLines,
    taxesIncluded: false,
    totals: { net: 3647, tax: 292, total: 3939 },
    depositTo: '4',
    ...overrides,
  };
}

/** A B2B order on net 30, the buyer found or created by name. */
export function invoice(key = 'sale:ord_01JB2B', overrides: Partial<SaleDocument> = {}): SaleDocument {
  return salesReceipt(key, {
    kind: 'invoice',
    number: 'PO-4471',
    memo: 'x12 order PO-4471 (ord_01JB2B)',
    customer: { name: "O'Brien Hardware: West", email: 'ap@obrien.example' },
    depositTo: undefined,
    due: '2026-12-20',
    poNumber: 'PO-4471',
    ...overrides,
  });
}

export function payment(
  invoiceId: string,
  key = 'payment:ord_01JB2B',
  overrides: Partial<PaymentDocument> = {},
): PaymentDocument {
  return {
    kind: 'payment',
    key,
    date: '2026-12-05',
    currency: 'USD',
    memo: 'stripe invoice in_1Q (ord_01JB2B)',
    invoice: invoiceId,
    amount: 3939,
    depositTo: '35',
    customer: { ref: '58', name: 'Shopify customer' },
    reference: 'pi_3Q0aBcDeFgHiJkLmNoPqRsTu',
    ...overrides,
  };
}

/** The towel returned: 9.50 + 0.78 tax back, out of the gateway's clearing account. */
export function refund(
  key = 'refund:ord_01JSALE:rf_1',
  overrides: Partial<RefundDocument> = {},
): RefundDocument {
  return {
    kind: 'refund',
    key,
    date: '2026-11-25',
    currency: 'USD',
    memo: 'shopify refund of #1001 (ord_01JSALE)',
    sale: { kind: 'sales-receipt', externalId: '130' },
    number: '1001-R1',
    customer: { ref: '58', name: 'Shopify customer' },
    lines: [usLines[1]!],
    taxesIncluded: false,
    totals: { net: 950, tax: 78, total: 1028 },
    refundFrom: '4',
    ...overrides,
  };
}

export function journal(
  key = 'journal:shopify:2026-11-20',
  overrides: Partial<JournalDocument> = {},
): JournalDocument {
  return {
    kind: 'journal',
    key,
    date: '2026-11-20',
    currency: 'USD',
    memo: 'shopify daily summary 2026-11-20 (14 orders)',
    number: 'SUM-2026-11-20',
    lines: [
      { side: 'debit', account: '4', amount: 123_456, description: 'Clearing: Shopify Payments' },
      { side: 'credit', account: '79', amount: 110_000, description: 'Sales', tracking },
      { side: 'credit', account: '83', amount: 4_000, description: 'Shipping income' },
      { side: 'credit', account: '33', amount: 9_456, description: 'Sales tax payable', taxCode: 'TAX' },
    ],
    ...overrides,
  };
}

export function fee(key = 'fee:stripe:txn_1QfEe', overrides: Partial<FeeDocument> = {}): FeeDocument {
  return {
    kind: 'fee',
    key,
    date: '2026-11-20',
    currency: 'USD',
    memo: 'stripe fee on ch_3QxYz (ord_01JSALE)',
    amount: 144,
    account: '92',
    paidFrom: '4',
    vendor: '61',
    description: 'Stripe processing fee',
    ...overrides,
  };
}

/** A UK sale with VAT included in its prices: 12.00 (2.00 VAT) + 3 × 10.00 (5.00 VAT) = 42.00, 7.00 of it VAT. */
export function ukSale(key = 'sale:ord_01JUK'): SaleDocument {
  return {
    kind: 'sales-receipt',
    key,
    date: '2026-11-20',
    currency: 'GBP',
    memo: 'shopify order #2001 (ord_01JUK)',
    number: '2001',
    customer: { ref: '7', name: 'Shopify customer' },
    lines: [
      {
        kind: 'item',
        description: 'Linen apron',
        item: '31',
        account: '1',
        quantity: 1,
        unitAmount: 1200,
        amount: 1200,
        taxCode: '3',
        tax: 200,
      },
      {
        kind: 'item',
        description: 'Napkins (set)',
        item: '32',
        account: '1',
        quantity: 3,
        unitAmount: 1000,
        amount: 3000,
        taxCode: '3',
        tax: 500,
      },
    ],
    taxesIncluded: true,
    totals: { net: 4200, tax: 700, total: 4200 },
    depositTo: '8',
  };
}

/** A Japanese sale: yen have no minor unit. */
export function jpySale(key = 'sale:ord_01JJP'): SaleDocument {
  return {
    kind: 'sales-receipt',
    key,
    date: '2026-11-20',
    currency: 'JPY',
    memo: 'amazon order 503-1234567-7654321 (ord_01JJP)',
    number: '503-1234567-7654321',
    customer: { ref: '9', name: 'Amazon customer' },
    lines: [
      {
        kind: 'item',
        description: 'Tea bowl',
        item: '41',
        account: '1',
        quantity: 2,
        unitAmount: 3300,
        amount: 6600,
        taxCode: '5',
        tax: 600,
      },
    ],
    taxesIncluded: false,
    totals: { net: 6600, tax: 600, total: 7200 },
    depositTo: '8',
  };
}

/** Every kind, for the goldens of the bodies they make. */
export const everyKind = (invoiceId: string): { name: string; document: BooksDocument }[] => [
  { name: 'sales-receipt', document: salesReceipt() },
  { name: 'invoice', document: invoice() },
  { name: 'payment', document: payment(invoiceId) },
  { name: 'refund-receipt', document: refund() },
  {
    name: 'credit-memo',
    document: refund('refund:ord_01JB2B:cm_1', {
      allocate: true,
      sale: { kind: 'invoice', externalId: invoiceId },
      number: 'PO-4471-C1',
    }),
  },
  { name: 'journal-entry', document: journal() },
  { name: 'purchase-fee', document: fee() },
  { name: 'sales-receipt-tax-inclusive-gbp', document: ukSale() },
  { name: 'sales-receipt-jpy', document: jpySale() },
];
