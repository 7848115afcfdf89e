import {
  type BooksDocument,
  type BooksLine,
  type BooksTracking,
  type FeeDocument,
  type JournalDocument,
  type PaymentDocument,
  PermanentError,
  type RefundDocument,
  type SaleDocument,
} from '@switchyard/core';
import { toDecimal, unitPriceOf } from './amounts.ts';
import { derivedDocNumber, docNumberOf, privateNoteOf } from './identity.ts';
import type {
  DiscountLine,
  EntityName,
  JournalEntryTransaction,
  PaymentTransaction,
  PurchaseTransaction,
  Ref,
  SalesItemLine,
  SalesTransaction,
} from './qbo-types.ts';

/**
 * A hub document in QuickBooks' shape (pure): which entity it becomes and the body to create. Customers are
 * resolved before (customers.ts): `customer` is the QuickBooks Customer id.
 */
export interface QuickBooksWrite {
  entity: EntityName;
  body: SalesTransaction | PaymentTransaction | JournalEntryTransaction | PurchaseTransaction;
}

const ref = (value: string): Ref => ({ value });

/** Where each kind of line gets its item from in the merchant's mapping (for the error that names it). */
const ITEM_MAPPING: Readonly<Record<BooksLine['kind'], string>> = {
  item: "accounting.mapping.items.bySku (the line's SKU) or items.default",
  shipping: 'accounting.mapping.items.shipping',
  adjustment: 'accounting.mapping.items.default',
  discount: '',
};

function itemLine(line: BooksLine, taxesIncluded: boolean, currency: string, where: string): SalesItemLine {
  if (!line.item) {
    throw new PermanentError(
      `${where}: the ${line.kind} line "${line.description}" has no QuickBooks item, and QuickBooks needs an item (a product or service) on every sales line: set ${ITEM_MAPPING[line.kind]} in the connection's accounting mapping, then replay the posting`,
    );
  }
  // QuickBooks' line Amount is before tax; on a tax-inclusive document the tax comes out of the line here,
  // and the whole line goes in TaxInclusiveAmt.
  const amount = taxesIncluded ? line.amount - line.tax : line.amount;
  return {
    Description: line.description,
    Amount: toDecimal(amount, currency),
    DetailType: 'SalesItemLineDetail',
    SalesItemLineDetail: {
      ItemRef: ref(line.item),
      Qty: line.quantity,
      UnitPrice: unitPriceOf(amount, line.quantity, line.unitAmount, currency),
      ...(line.taxCode ? { TaxCodeRef: ref(line.taxCode) } : {}),
      ...(line.tracking?.class ? { ClassRef: ref(line.tracking.class) } : {}),
      ...(taxesIncluded ? { TaxInclusiveAmt: toDecimal(line.amount, currency) } : {}),
    },
  };
}

/** QuickBooks takes one discount line per document: the hub's discount lines, added up, on one account. */
function discountLine(lines: BooksLine[], taxesIncluded: boolean, currency: string, where: string) {
  const discounts = lines.filter((l) => l.kind === 'discount');
  if (!discounts.length) return undefined;
  const accounts = new Set(discounts.map((d) => d.account));
  if (accounts.size > 1) {
    throw new PermanentError(
      `${where}: its discounts go to ${accounts.size} accounts (${[...accounts].join(', ')}), and QuickBooks takes one discount line per document: map every discount to one account (accounting.mapping.accounts.discounts)`,
    );
  }
  const amount = discounts.reduce((sum, d) => sum + (taxesIncluded ? d.amount - d.tax : d.amount), 0);
  const klass = discounts[0]!.tracking?.class;
  const line: DiscountLine = {
    Description: discounts.map((d) => d.description).join('; '),
    Amount: toDecimal(amount, currency),
    DetailType: 'DiscountLineDetail',
    DiscountLineDetail: {
      PercentBased: false,
      DiscountAccountRef: ref(discounts[0]!.account),
      ...(klass ? { ClassRef: ref(klass) } : {}),
    },
  };
  return line;
}

/** The document's class and location: what its lines share (QuickBooks keeps one location per document). */
function documentTracking(lines: BooksLine[]): { DepartmentRef?: Ref; ClassRef?: Ref } {
  const one = (pick: (t: BooksTracking | undefined) => string | undefined) => {
    const values = new Set(lines.map((l) => pick(l.tracking)));
    return values.size === 1 ? [...values][0] : undefined;
  };
  const location = one((t) => t?.location);
  const klass = one((t) => t?.class);
  return {
    ...(location ? { DepartmentRef: ref(location) } : {}),
    ...(klass ? { ClassRef: ref(klass) } : {}),
  };
}

function salesTransaction(document: SaleDocument | RefundDocument, customer: string): SalesTransaction {
  const { currency, taxesIncluded } = document;
  const where = `${document.kind} ${document.number} (${document.key})`;
  const items = document.lines
    .filter((l) => l.kind !== 'discount')
    .map((l) => itemLine(l, taxesIncluded, currency, where));
  const discount = discountLine(document.lines, taxesIncluded, currency, where);
  return {
    DocNumber: docNumberOf(document.number),
    TxnDate: document.date,
    CurrencyRef: ref(currency),
    CustomerRef: ref(customer),
    PrivateNote: privateNoteOf(document.key, document.memo),
    Line: discount ? [...items, discount] : items,
    // The hub's tax, to the cent: QuickBooks would otherwise compute its own from the codes.
    TxnTaxDetail: { TotalTax: toDecimal(document.totals.tax, currency) },
    GlobalTaxCalculation: taxesIncluded ? 'TaxInclusive' : 'TaxExcluded',
    ...documentTracking(document.lines),
  };
}

function sale(document: SaleDocument, customer: string): QuickBooksWrite {
  const body = salesTransaction(document, customer);
  if (document.kind === 'sales-receipt') {
    return {
      entity: 'SalesReceipt',
      body: { ...body, ...(document.depositTo ? { DepositToAccountRef: ref(document.depositTo) } : {}) },
    };
  }
  return {
    entity: 'Invoice',
    body: {
      ...body,
      ...(document.due ? { DueDate: document.due } : {}),
      ...(document.poNumber ? { PONumber: document.poNumber } : {}),
      ...(document.customer.email ? { BillEmail: { Address: document.customer.email } } : {}),
    },
  };
}

function refund(document: RefundDocument, customer: string): QuickBooksWrite {
  const body = salesTransaction(document, customer);
  // A credit against an unpaid invoice reduces what is owed (CreditMemo); otherwise money goes back out of
  // the gateway's clearing account (RefundReceipt).
  if (document.allocate) return { entity: 'CreditMemo', body };
  return { entity: 'RefundReceipt', body: { ...body, DepositToAccountRef: ref(document.refundFrom) } };
}

function payment(document: PaymentDocument, customer: string): QuickBooksWrite {
  const amount = toDecimal(document.amount, document.currency);
  const body: PaymentTransaction = {
    TxnDate: document.date,
    CurrencyRef: ref(document.currency),
    CustomerRef: ref(customer),
    TotalAmt: amount,
    DepositToAccountRef: ref(document.depositTo),
    PrivateNote: privateNoteOf(document.key, document.memo),
    ...(document.reference ? { PaymentRefNum: docNumberOf(document.reference) } : {}),
    Line: [{ Amount: amount, LinkedTxn: [{ TxnId: document.invoice, TxnType: 'Invoice' }] }],
  };
  return { entity: 'Payment', body };
}

function journal(document: JournalDocument): QuickBooksWrite {
  const sum = (side: 'debit' | 'credit') =>
    document.lines.filter((l) => l.side === side).reduce((total, l) => total + l.amount, 0);
  const [debits, credits] = [sum('debit'), sum('credit')];
  if (debits !== credits || document.lines.length < 2) {
    throw new PermanentError(
      `journal ${document.number} (${document.key}) does not balance: debits ${debits}, credits ${credits} (minor units of ${document.currency}); QuickBooks refuses an unbalanced JournalEntry: nothing was posted, correct the summary and replay it`,
    );
  }
  const body: JournalEntryTransaction = {
    DocNumber: docNumberOf(document.number),
    TxnDate: document.date,
    CurrencyRef: ref(document.currency),
    PrivateNote: privateNoteOf(document.key, document.memo),
    Line: document.lines.map((l) => ({
      Description: l.description,
      Amount: toDecimal(l.amount, document.currency),
      DetailType: 'JournalEntryLineDetail',
      JournalEntryLineDetail: {
        PostingType: l.side === 'debit' ? 'Debit' : 'Credit',
        AccountRef: ref(l.account),
        ...(l.tracking?.class ? { ClassRef: ref(l.tracking.class) } : {}),
        ...(l.tracking?.location ? { DepartmentRef: ref(l.tracking.location) } : {}),
        ...(l.taxCode ? { TaxCodeRef: ref(l.taxCode), TaxApplicableOn: 'Sales' as const } : {}),
      },
    })),
  };
  return { entity: 'JournalEntry', body };
}

function fee(document: FeeDocument): QuickBooksWrite {
  const body: PurchaseTransaction = {
    PaymentType: 'Cash',
    AccountRef: ref(document.paidFrom),
    DocNumber: derivedDocNumber(document.key),
    TxnDate: document.date,
    CurrencyRef: ref(document.currency),
    PrivateNote: privateNoteOf(document.key, document.memo),
    ...(document.vendor ? { EntityRef: { value: document.vendor, type: 'Vendor' } } : {}),
    Line: [
      {
        Description: document.description,
        Amount: toDecimal(document.amount, document.currency),
        DetailType: 'AccountBasedExpenseLineDetail',
        AccountBasedExpenseLineDetail: { AccountRef: ref(document.account) },
      },
    ],
  };
  return { entity: 'Purchase', body };
}

/** The entity a document becomes, without building it (read before write needs it first). */
export function entityOf(document: BooksDocument): EntityName {
  switch (document.kind) {
    case 'sales-receipt':
      return 'SalesReceipt';
    case 'invoice':
      return 'Invoice';
    case 'payment':
      return 'Payment';
    case 'refund':
      return document.allocate ? 'CreditMemo' : 'RefundReceipt';
    case 'journal':
      return 'JournalEntry';
    case 'fee':
      return 'Purchase';
  }
}

/**
 * The create body of a document. Built before any call (so a document QuickBooks would refuse, or one the
 * mapping cannot place, is refused before anything is read or written); `customer`, the QuickBooks Customer
 * id, is set with `withCustomer` once resolved.
 */
export function toQuickBooks(document: BooksDocument): QuickBooksWrite {
  switch (document.kind) {
    case 'sales-receipt':
    case 'invoice':
      return sale(document, '');
    case 'refund':
      return refund(document, '');
    case 'payment':
      return payment(document, '');
    case 'journal':
      return journal(document);
    case 'fee':
      return fee(document);
  }
}

/** The write with its customer set (the kinds that have one). */
export function withCustomer(write: QuickBooksWrite, customer: string): QuickBooksWrite {
  return 'CustomerRef' in write.body
    ? { ...write, body: { ...write.body, CustomerRef: ref(customer) } }
    : write;
}
