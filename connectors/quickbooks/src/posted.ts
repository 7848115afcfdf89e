import type { BooksDocument, PostedDocument } from '@switchyard/core';
import { toMinor } from './amounts.ts';
import { type QuickBooksApi, quoted } from './client.ts';
import { namesPosting } from './identity.ts';
import type { QuickBooksWrite } from './map-document.ts';
import type { Transaction } from './qbo-types.ts';

/**
 * Read before write: whether QuickBooks already holds the posting `document.key`, for when Intuit no longer
 * remembers the requestid (or the step's key changed). One query per posting, by what QuickBooks can filter
 * on: DocNumber and TxnDate (payments, which have no DocNumber: customer and TxnDate), then the posting's key
 * in the PrivateNote of what comes back. Queries are "CorePlus" reads, metered by Intuit.
 */
export async function findPosted(
  api: QuickBooksApi,
  document: BooksDocument,
  write: QuickBooksWrite,
  signal: AbortSignal,
): Promise<Transaction | undefined> {
  const body = write.body as { DocNumber?: string; TxnDate: string; CustomerRef?: { value: string } };
  const where = body.DocNumber
    ? `DocNumber = ${quoted(body.DocNumber)} and TxnDate = ${quoted(body.TxnDate)}`
    : `CustomerRef = ${quoted(body.CustomerRef?.value ?? '')} and TxnDate = ${quoted(body.TxnDate)}`;
  const answer = await api.query(`select * from ${write.entity} where ${where} maxresults 1000`, signal);
  const list = (answer[write.entity] as Transaction[] | undefined) ?? [];
  return list.find((t) => namesPosting(t.PrivateNote, document.key));
}

/** What the books hold, from QuickBooks' own figures, in minor units of the document's currency. */
export function postedOf(document: BooksDocument, transaction: Transaction, found: boolean): PostedDocument {
  const currency = transaction.CurrencyRef?.value ?? document.currency;
  return {
    externalId: transaction.Id,
    ...(transaction.DocNumber ? { number: transaction.DocNumber } : {}),
    total: toMinor(transaction.TotalAmt, currency),
    tax: toMinor(transaction.TxnTaxDetail?.TotalTax, currency),
    ...(found ? { found: true } : {}),
  };
}
