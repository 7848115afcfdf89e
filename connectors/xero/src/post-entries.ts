import type { FeeDocument, JournalDocument, PaymentDocument, PostedDocument } from '@switchyard/core';
import { decimal, idempotencyKeyOf } from './amounts.ts';
import type { XeroAccounting } from './client.ts';
import { contactIdOf } from './contacts.ts';
import { createdElement, postedBankTransaction, postedJournal, postedPayment } from './created.ts';
import { findBankTransaction, findJournal, findPayment } from './lookup.ts';
import { feeTransactionOf, manualJournalOf } from './map-documents.ts';

/**
 * The postings of one create each, read first by the key written on them: a payment against an invoice posted
 * earlier, a day's summary as a manual journal, a gateway's fee as money spent.
 */

/** Money received against an invoice posted earlier (B2B terms): a payment with the posting's key as Reference. */
export async function postPayment(
  xero: XeroAccounting,
  document: PaymentDocument,
  actionKey: string,
): Promise<PostedDocument> {
  const existing = await findPayment(xero, document.key);
  if (existing) return postedPayment(existing, document.currency, true);
  const body = await xero.call('payment creation', (api, tenant) =>
    api.createPayments(
      tenant,
      {
        payments: [
          {
            invoice: { invoiceID: document.invoice },
            account: { code: document.depositTo },
            date: document.date,
            amount: decimal(document.amount, document.currency),
            reference: document.key,
          },
        ],
      },
      false,
      idempotencyKeyOf(actionKey, 'payment'),
    ),
  );
  return postedPayment(
    createdElement('payment creation', 'PUT /Payments', body.payments),
    document.currency,
    false,
  );
}

/** A day's summary: refused before any call when it does not balance. */
export async function postJournal(
  xero: XeroAccounting,
  document: JournalDocument,
  actionKey: string,
): Promise<PostedDocument> {
  const journal = manualJournalOf(document);
  const existing = await findJournal(xero, document.key);
  if (existing) return postedJournal(existing, document.number, document.currency, true);
  const body = await xero.call('manual journal creation', (api, tenant) =>
    api.createManualJournals(
      tenant,
      { manualJournals: [journal] },
      false,
      idempotencyKeyOf(actionKey, 'journal'),
    ),
  );
  const created = createdElement('manual journal creation', 'PUT /ManualJournals', body.manualJournals);
  return postedJournal(created, document.number, document.currency, false);
}

/** A gateway's fee, spent from its clearing account to the gateway's contact (the mapping's, or by name). */
export async function postFee(
  xero: XeroAccounting,
  document: FeeDocument,
  actionKey: string,
  feeContact: string,
): Promise<PostedDocument> {
  const existing = await findBankTransaction(xero, document.key);
  if (existing) return postedBankTransaction(existing, document.currency, true);
  const contactId = await contactIdOf(
    xero,
    document.vendor ? { ref: document.vendor, name: feeContact } : { name: feeContact },
    actionKey,
  );
  const body = await xero.call('bank transaction creation', (api, tenant) =>
    api.createBankTransactions(
      tenant,
      { bankTransactions: [feeTransactionOf(document, contactId)] },
      false,
      undefined,
      idempotencyKeyOf(actionKey, 'fee'),
    ),
  );
  const created = createdElement('bank transaction creation', 'PUT /BankTransactions', body.bankTransactions);
  return postedBankTransaction(created, document.currency, false);
}
