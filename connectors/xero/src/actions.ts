import { type ConnectorActions, currencyExponent, PermanentError } from '@switchyard/core';
import { xeroAccounting } from './client.ts';
import { postFee, postJournal, postPayment } from './post-entries.ts';
import { postRefund } from './post-refund.ts';
import { postSale } from './post-sale.ts';
import type { Secrets, Settings } from './settings.ts';

/**
 * `accounting.post`: each books document posted once. Every create carries an Idempotency-Key derived from the
 * action's key (Xero replays it for minutes), and is preceded by a read of the document by its key (a retry
 * hours later finds it: `found`). The answer is Xero's own total and tax, in minor units.
 */
export const actions: ConnectorActions<Settings, Secrets> = {
  async postDocument(context, { document }) {
    // Xero keeps two decimals: a KWD or BHD amount (three) would come back changed, after it was posted.
    if (currencyExponent(document.currency) > 2)
      throw new PermanentError(
        `Xero keeps amounts to two decimals, and ${document.currency} has ${currencyExponent(document.currency)}: post this channel's ${document.currency} orders to books that keep them`,
      );
    const xero = xeroAccounting(context, context.signal);
    const key = context.idempotencyKey;
    switch (document.kind) {
      case 'sales-receipt':
      case 'invoice':
        return postSale(xero, document, key);
      case 'refund':
        return postRefund(xero, document, key);
      case 'payment':
        return postPayment(xero, document, key);
      case 'journal':
        return postJournal(xero, document, key);
      case 'fee':
        return postFee(xero, document, key, context.settings.feeContact);
    }
  },
};
