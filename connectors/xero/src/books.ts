import {
  type BooksChange,
  type BooksIntake,
  type BooksInvoiceState,
  type ConnectionContext,
  VendorError,
} from '@switchyard/core';
import type { Invoice } from 'xero-node';
import { isoDate, minor } from './amounts.ts';
import { xeroAccounting } from './client.ts';
import type { Secrets, Settings } from './settings.ts';
import { eventKey, eventsOf } from './webhook-body.ts';

/** Xero answers 100 invoices a page. */
const PAGE = 100;
/** A bound on one catch-up read (20,000 invoices): the next read goes on from the last change it saw. */
const MAX_PAGES = 200;

/** An invoice's state in the hub's terms: paid, voided (or deleted), else open with what is left to pay. */
export function invoiceState(invoice: Invoice): BooksInvoiceState {
  const status = String(invoice.status ?? '');
  // An invoice in the organisation's base currency may come without one: USD is only the default for reading
  // what is left to pay, which the hub compares with nothing else.
  const currency = String(invoice.currencyCode || 'USD');
  const at = isoDate(invoice.updatedDateUTC);
  return {
    invoice: String(invoice.invoiceID),
    status: status === 'PAID' ? 'paid' : status === 'VOIDED' || status === 'DELETED' ? 'voided' : 'open',
    balance: minor(invoice.amountDue, currency),
    currency,
    ...(at ? { at } : {}),
  };
}

/**
 * How Xero tells the hub of invoices paid: its webhooks name invoices that changed (INVOICE CREATE / UPDATE),
 * and the hub reads each; a periodic read of invoices modified since the last one (`If-Modified-Since`) fills
 * what a lost delivery would leave.
 */
export const books: BooksIntake<Settings, Secrets> = {
  changes(payload): BooksChange[] {
    return eventsOf(payload).map((e) => {
      const at = isoDate(e.eventDateUtc);
      return {
        eventId: eventKey(e),
        account: e.tenantId,
        entity: e.eventCategory.toLowerCase(),
        id: e.resourceId,
        operation: e.eventType.toLowerCase(),
        ...(at ? { at } : {}),
      };
    });
  },

  async invoicesOf(context, change, signal) {
    // Credit notes, contacts and subscriptions do not pay an invoice; an allocation or a payment updates the
    // invoice itself, which Xero reports as an INVOICE event.
    if (change.entity !== 'invoice') return [];
    const xero = xeroAccounting(context, signal);
    if ((await xero.tenant()) !== change.account) return [];
    try {
      const body = await xero.call('invoice read', (api, tenant) => api.getInvoice(tenant, change.id));
      const invoice = body.invoices?.[0];
      return invoice && String(invoice.type) === 'ACCREC' ? [invoiceState(invoice)] : [];
    } catch (error) {
      if (error instanceof VendorError && error.status === 404) return [];
      throw error;
    }
  },

  async invoicesChangedSince(context: ConnectionContext<Settings, Secrets>, since, signal) {
    const xero = xeroAccounting(context, signal);
    const states: BooksInvoiceState[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const body = await xero.call('invoices changed since', (api, tenant) =>
        api.getInvoices(
          tenant,
          since,
          'Type=="ACCREC"',
          'UpdatedDateUTC ASC',
          undefined,
          undefined,
          undefined,
          undefined,
          page,
          undefined,
          undefined,
          undefined,
          undefined,
          PAGE,
        ),
      );
      const invoices = body.invoices ?? [];
      // One invoice Xero answers oddly is left out (logged by the caller's next read), not the whole catch-up.
      for (const invoice of invoices) {
        try {
          states.push(invoiceState(invoice));
        } catch {
          // An amount that is not a decimal: nothing the hub posted looks like that.
        }
      }
      if (invoices.length < PAGE) break;
    }
    return states;
  },
};
