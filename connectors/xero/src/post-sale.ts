import { PermanentError, type PostedDocument, type SaleDocument } from '@switchyard/core';
import type { Invoice } from 'xero-node';
import { decimal, idempotencyKeyOf, minor } from './amounts.ts';
import type { XeroAccounting } from './client.ts';
import { contactIdOf } from './contacts.ts';
import { createdElement, postedInvoice } from './created.ts';
import { findInvoice } from './lookup.ts';
import { invoiceOf } from './map-documents.ts';

/**
 * A sale: an authorised ACCREC invoice (found by its Reference first), and for a sale paid at once
 * (`sales-receipt`) a payment of what it leaves due into `depositTo`. Two creates, each under its own
 * Idempotency-Key. The payment is read first from the invoice itself: an invoice found with nothing due was
 * paid already; one just created cannot have been.
 */
export async function postSale(
  xero: XeroAccounting,
  document: SaleDocument,
  actionKey: string,
): Promise<PostedDocument> {
  if (document.kind === 'sales-receipt' && !document.depositTo) {
    throw new PermanentError(
      `sale ${document.number} (${document.key}) is paid at once but names no account to deposit into: give the books mapping a clearing account for its gateway`,
    );
  }
  let invoice = await findInvoice(xero, document.key);
  const found = !!invoice;
  if (!invoice) {
    const contactId = await contactIdOf(xero, document.customer, actionKey);
    const body = await xero.call('invoice creation', (api, tenant) =>
      api.createInvoices(
        tenant,
        { invoices: [invoiceOf(document, contactId)] },
        false,
        undefined,
        idempotencyKeyOf(actionKey, 'invoice'),
      ),
    );
    invoice = createdElement('invoice creation', 'PUT /Invoices', body.invoices);
  }
  if (document.kind === 'invoice') return postedInvoice(invoice, document.currency, found);
  const paid = await settle(xero, document, invoice, actionKey);
  // Found only when this call created nothing: neither the invoice nor its payment.
  return postedInvoice(invoice, document.currency, found && paid === 'found');
}

/** Pays what the invoice leaves due into the deposit account; `found` when nothing was left to pay. */
async function settle(
  xero: XeroAccounting,
  document: SaleDocument,
  invoice: Invoice,
  actionKey: string,
): Promise<'found' | 'created'> {
  // Xero's own AmountDue: its total may differ from the hub's by its tax rounding, and an overpayment is refused.
  const due = minor(invoice.amountDue ?? invoice.total, document.currency);
  if (due <= 0) return 'found';
  const body = await xero.call('payment creation', (api, tenant) =>
    api.createPayments(
      tenant,
      {
        payments: [
          {
            invoice: { invoiceID: invoice.invoiceID },
            account: { code: document.depositTo },
            date: document.date,
            amount: decimal(due, document.currency),
            reference: document.key,
          },
        ],
      },
      false,
      idempotencyKeyOf(actionKey, 'payment'),
    ),
  );
  createdElement('payment creation', 'PUT /Payments', body.payments);
  return 'created';
}
