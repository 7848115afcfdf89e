import type { BooksChange, BooksIntake, BooksInvoiceState, ConnectionContext } from '@switchyard/core';
import { toMinor } from './amounts.ts';
import { type QuickBooksApi, type QuickBooksApiOptions, quickbooksApi } from './client.ts';
import { booksChanges } from './cloud-events.ts';
import type { PaymentRead, Transaction } from './qbo-types.ts';
import type { Secrets, Settings } from './settings.ts';

/** How far back change data capture reaches (Intuit: 30 days). */
export const CDC_LOOKBACK_MS = 30 * 86_400_000;
/** Kept off the edge of the look-back, so the clock between the hub and Intuit cannot push it past. */
const CDC_MARGIN_MS = 60_000;

/**
 * Where a change read starts: `since`, or the oldest moment QuickBooks' CDC still answers for (30 days ago)
 * when `since` is older. What changed before then is not read: a watcher that stopped for more than 30 days
 * must reconcile those invoices another way (their balance in QuickBooks' A/R reports).
 */
export function cdcStart(since: Date, now: Date): { from: Date; clamped: boolean } {
  const earliest = new Date(now.getTime() - CDC_LOOKBACK_MS + CDC_MARGIN_MS);
  return since < earliest ? { from: earliest, clamped: true } : { from: since, clamped: false };
}

/** An invoice as the books have it: voided (or deleted), paid (nothing left), or open. */
export function invoiceState(
  invoice: Transaction,
  homeCurrency: string,
  operation?: string,
): BooksInvoiceState {
  const currency = invoice.CurrencyRef?.value ?? homeCurrency;
  const at = invoice.MetaData?.LastUpdatedTime;
  const voided =
    invoice.status === 'Deleted' ||
    operation === 'deleted' ||
    operation === 'voided' ||
    /^\s*Voided\b/i.test(invoice.PrivateNote ?? '');
  const balance = voided ? 0 : toMinor(invoice.Balance, currency);
  return {
    invoice: invoice.Id,
    status: voided ? 'voided' : balance === 0 ? 'paid' : 'open',
    balance,
    currency,
    ...(at ? { at } : {}),
  };
}

async function readInvoice(
  api: QuickBooksApi,
  id: string,
  settings: Settings,
  signal: AbortSignal,
  operation?: string,
): Promise<BooksInvoiceState> {
  const invoice = await api.read<Transaction>('Invoice', id, signal);
  // An invoice QuickBooks no longer has was deleted: nothing is owed on it any more.
  return invoiceState(invoice ?? { Id: id, status: 'Deleted' }, settings.homeCurrency, operation);
}

/** The invoices a payment pays, as linked on its lines. */
function linkedInvoices(payment: PaymentRead): string[] {
  const ids = (payment.Line ?? []).flatMap((l) =>
    (l.LinkedTxn ?? []).filter((t) => t.TxnType === 'Invoice' && t.TxnId).map((t) => t.TxnId!),
  );
  return [...new Set(ids)];
}

/**
 * How QuickBooks tells the hub of invoices paid: the webhook's changes (cloud-events.ts), the invoices a
 * change concerns (a payment: one read of it and one per invoice it pays; an invoice: one read), and change
 * data capture for what a lost webhook would leave out (one read per window). Every read is a metered
 * CorePlus call; a change in another company than the connection's, or of another entity, reads nothing.
 */
export function quickbooksBooks(options: QuickBooksApiOptions = {}): BooksIntake<Settings, Secrets> {
  return {
    changes: booksChanges,

    async invoicesOf(
      context: ConnectionContext<Settings, Secrets>,
      change: BooksChange,
      signal: AbortSignal,
    ) {
      const api = quickbooksApi(context, options);
      if (change.account !== (await api.realm(signal))) return [];
      if (change.entity === 'invoice') {
        if (change.operation === 'deleted') {
          return [invoiceState({ Id: change.id, status: 'Deleted' }, context.settings.homeCurrency)];
        }
        return [await readInvoice(api, change.id, context.settings, signal, change.operation)];
      }
      if (change.entity !== 'payment' || change.operation === 'deleted') {
        // A deleted payment cannot be read: the invoices it reopens come back through their own change
        // events and change data capture.
        return [];
      }
      const payment = await api.read<PaymentRead>('Payment', change.id, signal);
      if (!payment) return [];
      const states: BooksInvoiceState[] = [];
      for (const id of linkedInvoices(payment))
        states.push(await readInvoice(api, id, context.settings, signal));
      return states;
    },

    async invoicesChangedSince(
      context: ConnectionContext<Settings, Secrets>,
      since: Date,
      signal: AbortSignal,
    ) {
      const api = quickbooksApi(context, options);
      const { from } = cdcStart(since, context.now());
      const groups = await api.changes(['Invoice', 'Payment'], from, signal);
      const byId = new Map<string, BooksInvoiceState>();
      for (const invoice of groups.flatMap((g) => (g.Invoice as Transaction[] | undefined) ?? [])) {
        if (invoice?.Id) byId.set(invoice.Id, invoiceState(invoice, context.settings.homeCurrency));
      }
      // QuickBooks updates an invoice when a payment is applied to it, so its payments' invoices are normally
      // in the answer already; any that is not is read.
      const payments = groups.flatMap((g) => (g.Payment as PaymentRead[] | undefined) ?? []);
      for (const id of payments.filter((p) => p?.status !== 'Deleted').flatMap(linkedInvoices)) {
        if (!byId.has(id)) byId.set(id, await readInvoice(api, id, context.settings, signal));
      }
      return [...byId.values()];
    },
  };
}
