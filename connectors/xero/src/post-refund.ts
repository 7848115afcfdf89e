import type { PostedDocument, RefundDocument } from '@switchyard/core';
import type { CreditNote } from 'xero-node';
import { decimal, idempotencyKeyOf, minor } from './amounts.ts';
import type { XeroAccounting } from './client.ts';
import { contactIdOf } from './contacts.ts';
import { createdElement, postedInvoice } from './created.ts';
import { findCreditNote } from './lookup.ts';
import { creditNoteOf } from './map-documents.ts';

/**
 * A refund: an authorised ACCRECCREDIT credit note (found by its Reference first), then its credit used up,
 * either allocated to the sale's unpaid invoice (`allocate`) or paid out of `refundFrom` (a payment on the
 * credit note). Whether that second step is done is read from the credit note itself: `RemainingCredit` is 0
 * once it is allocated or paid out.
 */
export async function postRefund(
  xero: XeroAccounting,
  document: RefundDocument,
  actionKey: string,
): Promise<PostedDocument> {
  let credit = await findCreditNote(xero, document.key);
  const found = !!credit;
  if (!credit) {
    const contactId = await contactIdOf(xero, document.customer, actionKey);
    const body = await xero.call('credit note creation', (api, tenant) =>
      api.createCreditNotes(
        tenant,
        { creditNotes: [creditNoteOf(document, contactId)] },
        false,
        undefined,
        idempotencyKeyOf(actionKey, 'credit-note'),
      ),
    );
    credit = createdElement('credit note creation', 'PUT /CreditNotes', body.creditNotes);
  }
  const remaining = minor(credit.remainingCredit ?? credit.total, document.currency);
  if (remaining > 0) {
    if (document.allocate) await allocate(xero, document, credit, remaining, actionKey);
    else await payOut(xero, document, credit, remaining, actionKey);
  }
  return postedInvoice(credit, document.currency, found && remaining <= 0);
}

/** `PUT /CreditNotes/{id}/Allocations`: the credit taken off the sale's invoice. */
async function allocate(
  xero: XeroAccounting,
  document: RefundDocument,
  credit: CreditNote,
  remaining: number,
  actionKey: string,
) {
  const body = await xero.call('credit note allocation', (api, tenant) =>
    api.createCreditNoteAllocation(
      tenant,
      String(credit.creditNoteID),
      {
        allocations: [
          {
            invoice: { invoiceID: document.sale.externalId },
            amount: decimal(remaining, document.currency),
            date: document.date,
          },
        ],
      },
      false,
      idempotencyKeyOf(actionKey, 'allocation'),
    ),
  );
  createdElement('credit note allocation', 'PUT /CreditNotes/{id}/Allocations', body.allocations);
}

/** A payment on the credit note: the money leaving the gateway's clearing account back to the customer. */
async function payOut(
  xero: XeroAccounting,
  document: RefundDocument,
  credit: CreditNote,
  remaining: number,
  actionKey: string,
) {
  const body = await xero.call('refund payment', (api, tenant) =>
    api.createPayments(
      tenant,
      {
        payments: [
          {
            creditNote: { creditNoteID: credit.creditNoteID },
            account: { code: document.refundFrom },
            date: document.date,
            amount: decimal(remaining, document.currency),
            reference: document.key,
          },
        ],
      },
      false,
      idempotencyKeyOf(actionKey, 'refund-payment'),
    ),
  );
  createdElement('refund payment', 'PUT /Payments', body.payments);
}
