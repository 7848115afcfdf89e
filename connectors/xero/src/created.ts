import type { PostedDocument } from '@switchyard/core';
import type { BankTransaction, CreditNote, Invoice, ManualJournal, Payment } from 'xero-node';
import { minor } from './amounts.ts';
import { type AnsweredElement, elementFailure } from './errors.ts';

/**
 * The one element a create sent, from Xero's answer: a refused element (a 200 with `summarizeErrors=false`
 * holding `StatusAttributeString: ERROR`) throws its validation messages.
 */
export function createdElement<T extends AnsweredElement>(
  what: string,
  request: string,
  elements: T[] | undefined,
): T {
  const element = elements?.[0];
  const failure = elementFailure(what, request, element);
  if (failure) throw failure;
  return element!;
}

/** What the books hold, in minor units of the document's currency, as Xero computed it. */
export function postedInvoice(
  invoice: Invoice | CreditNote,
  currency: string,
  found: boolean,
): PostedDocument {
  const id = 'invoiceID' in invoice ? invoice.invoiceID : (invoice as CreditNote).creditNoteID;
  const number =
    'invoiceNumber' in invoice ? invoice.invoiceNumber : (invoice as CreditNote).creditNoteNumber;
  return {
    externalId: String(id),
    ...(number ? { number } : {}),
    total: minor(invoice.total, currency),
    tax: minor(invoice.totalTax, currency),
    ...(found ? { found } : {}),
  };
}

export function postedPayment(payment: Payment, currency: string, found: boolean): PostedDocument {
  return {
    externalId: String(payment.paymentID),
    total: minor(payment.amount, currency),
    tax: 0,
    ...(found ? { found } : {}),
  };
}

/** A journal has no total in Xero: its debits (the positive lines), and the tax Xero put on its lines. */
export function postedJournal(journal: ManualJournal, number: string, currency: string, found: boolean) {
  const lines = journal.journalLines ?? [];
  return {
    externalId: String(journal.manualJournalID),
    number,
    total: lines.reduce((sum, l) => sum + Math.max(0, minor(l.lineAmount, currency)), 0),
    tax: lines.reduce((sum, l) => sum + minor(l.taxAmount, currency), 0),
    ...(found ? { found } : {}),
  } satisfies PostedDocument;
}

export function postedBankTransaction(transaction: BankTransaction, currency: string, found: boolean) {
  return {
    externalId: String(transaction.bankTransactionID),
    total: minor(transaction.total, currency),
    tax: minor(transaction.totalTax, currency),
    ...(found ? { found } : {}),
  } satisfies PostedDocument;
}
