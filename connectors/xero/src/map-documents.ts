import {
  type BooksLine,
  type BooksTracking,
  type FeeDocument,
  type JournalDocument,
  PermanentError,
  type RefundDocument,
  type SaleDocument,
} from '@switchyard/core';
import {
  BankTransaction,
  CreditNote,
  type CurrencyCode,
  Invoice,
  LineAmountTypes,
  type LineItem,
  type LineItemTracking,
  ManualJournal,
  type ManualJournalLine,
} from 'xero-node';
import { decimal } from './amounts.ts';

/**
 * The hub's books documents in Xero's shapes (xero-node's models, which it serializes to Xero's JSON). Pure: no
 * I/O. Every document carries the posting's key where Xero lets it be searched (`Reference`, a journal's
 * `Narration`), so that a retry long after the Idempotency-Key expired finds what was posted.
 */

/** Xero's currency code type is an enum of the codes it knows; the hub's is any ISO 4217 code. */
const currencyOf = (code: string) => code as unknown as CurrencyCode;

/** At most two tracking categories per line, each `{ Name, Option }`. */
export function trackingOf(tracking: BooksTracking | undefined): LineItemTracking[] | undefined {
  const categories = Object.entries(tracking?.categories ?? {});
  if (categories.length === 0) return undefined;
  if (categories.length > 2) {
    throw new PermanentError(
      `Xero takes at most two tracking categories on a line, and the mapping gives ${categories.length} (${categories.map(([name]) => name).join(', ')}): keep two in the books mapping's tracking`,
    );
  }
  return categories.map(([name, option]) => ({ name, option }));
}

/**
 * A sale's or refund's line. A `discount` line carries the (positive) amount taken off: in Xero it is a line of
 * negative amount, its tax negative too.
 */
export function lineItemOf(line: BooksLine, currency: string): LineItem {
  const sign = line.kind === 'discount' ? -1 : 1;
  const tracking = trackingOf(line.tracking);
  return {
    description: line.description,
    quantity: line.quantity,
    unitAmount: decimal(sign * line.unitAmount, currency),
    ...(line.item ? { itemCode: line.item } : {}),
    accountCode: line.account,
    // Without a tax type Xero would apply the account's default one (often a sales tax the order never
    // charged): a line without a code is sent as NONE, with no tax.
    ...(line.taxCode
      ? { taxType: line.taxCode, taxAmount: decimal(sign * line.tax, currency) }
      : { taxType: 'NONE', taxAmount: 0 }),
    ...(line.discount ? { discountAmount: decimal(line.discount, currency) } : {}),
    lineAmount: decimal(sign * line.amount, currency),
    ...(tracking ? { tracking } : {}),
  };
}

const lineAmountTypes = (taxesIncluded: boolean) =>
  taxesIncluded ? LineAmountTypes.Inclusive : LineAmountTypes.Exclusive;

/**
 * A sale as an authorised ACCREC invoice: paid at once (`sales-receipt`: due the day it is dated, a payment
 * follows) or on terms (`invoice`: due on `due`).
 */
export function invoiceOf(document: SaleDocument, contactId: string): Invoice {
  return {
    type: Invoice.TypeEnum.ACCREC,
    contact: { contactID: contactId },
    lineItems: document.lines.map((line) => lineItemOf(line, document.currency)),
    date: document.date,
    dueDate: document.kind === 'invoice' ? (document.due ?? document.date) : document.date,
    lineAmountTypes: lineAmountTypes(document.taxesIncluded),
    invoiceNumber: document.number,
    reference: document.key,
    currencyCode: currencyOf(document.currency),
    status: Invoice.StatusEnum.AUTHORISED,
  };
}

/** A refund as an authorised ACCRECCREDIT credit note (allocated or paid out afterwards). */
export function creditNoteOf(document: RefundDocument, contactId: string): CreditNote {
  return {
    type: CreditNote.TypeEnum.ACCRECCREDIT,
    contact: { contactID: contactId },
    lineItems: document.lines.map((line) => lineItemOf(line, document.currency)),
    date: document.date,
    lineAmountTypes: lineAmountTypes(document.taxesIncluded),
    creditNoteNumber: document.number,
    reference: document.key,
    currencyCode: currencyOf(document.currency),
    status: CreditNote.StatusEnum.AUTHORISED,
  };
}

/**
 * A journal's narration: its number and memo for people, and the posting's key in brackets, which the
 * read-before-write looks for (`Narration.Contains("[key]")`).
 */
export function narrationOf(document: JournalDocument): string {
  return `${document.number}: ${document.memo} [${document.key}]`;
}

/** Refuses, before any call, a journal whose debits and credits differ (Xero would refuse it too). */
export function checkBalanced(document: JournalDocument): void {
  const total = (side: 'debit' | 'credit') =>
    document.lines.filter((l) => l.side === side).reduce((sum, l) => sum + l.amount, 0);
  const [debits, credits] = [total('debit'), total('credit')];
  if (debits !== credits || document.lines.length < 2) {
    throw new PermanentError(
      `journal ${document.number} (${document.key}) does not balance: debits ${debits} and credits ${credits} (${document.currency} minor units) over ${document.lines.length} lines; nothing was posted to Xero: correct the summary's lines and replay`,
    );
  }
}

/** A day's summary as a posted manual journal: a debit is a positive line amount, a credit a negative one. */
export function manualJournalOf(document: JournalDocument): ManualJournal {
  checkBalanced(document);
  const lines: ManualJournalLine[] = document.lines.map((line) => {
    const tracking = trackingOf(line.tracking);
    return {
      lineAmount: decimal(line.side === 'debit' ? line.amount : -line.amount, document.currency),
      accountCode: line.account,
      description: line.description,
      ...(line.taxCode ? { taxType: line.taxCode } : {}),
      ...(tracking ? { tracking } : {}),
    };
  });
  return {
    narration: narrationOf(document),
    journalLines: lines,
    date: document.date,
    lineAmountTypes: LineAmountTypes.NoTax,
    status: ManualJournal.StatusEnum.POSTED,
  };
}

/** A gateway's fee as money spent out of its clearing account, to the fees expense account. */
export function feeTransactionOf(document: FeeDocument, contactId: string): BankTransaction {
  return {
    type: BankTransaction.TypeEnum.SPEND,
    contact: { contactID: contactId },
    bankAccount: { code: document.paidFrom },
    lineItems: [
      {
        description: document.description,
        quantity: 1,
        unitAmount: decimal(document.amount, document.currency),
        accountCode: document.account,
        lineAmount: decimal(document.amount, document.currency),
      },
    ],
    date: document.date,
    reference: document.key,
    currencyCode: currencyOf(document.currency),
    lineAmountTypes: LineAmountTypes.NoTax,
    status: BankTransaction.StatusEnum.AUTHORISED,
  };
}
