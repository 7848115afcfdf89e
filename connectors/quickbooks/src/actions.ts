import { type BooksDocument, type ConnectorActions, PermanentError } from '@switchyard/core';
import { type QuickBooksApiOptions, quickbooksApi } from './client.ts';
import { customerIdOf } from './customers.ts';
import { requestIdOf } from './identity.ts';
import { toQuickBooks, withCustomer } from './map-document.ts';
import { findPosted, postedOf } from './posted.ts';
import type { Transaction } from './qbo-types.ts';
import type { Secrets, Settings } from './settings.ts';

const customerOf = (document: BooksDocument) => ('customer' in document ? document.customer : undefined);

/**
 * `postDocument`: one BooksDocument posted to QuickBooks once.
 * 1. The body is built first: a document QuickBooks would refuse for want of a mapping (a sales line without
 *    an item, an unbalanced journal, discounts on several accounts) is refused before any call.
 * 2. Read before write (posted.ts): found already → answered `found`, nothing created.
 * 3. The customer, resolved (customers.ts); a payment needs it before step 2, which queries by customer.
 * 4. The create, with `requestid` = hash of the step's idempotency key and "document" (identity.ts).
 * The answer is QuickBooks' own TotalAmt and TotalTax in minor units, for the hub to check against the order.
 */
export function quickbooksActions(options: QuickBooksApiOptions = {}): ConnectorActions<Settings, Secrets> {
  return {
    async postDocument(context, { document }) {
      const { signal } = context;
      let write = toQuickBooks(document);
      // The read before the write finds a sale, refund or journal by its number: without one it could find
      // nothing, and a retry after the requestid expired would post it twice.
      if (
        document.kind !== 'payment' &&
        document.kind !== 'fee' &&
        !(write.body as { DocNumber?: string }).DocNumber
      )
        throw new PermanentError(
          `the ${document.kind} ${document.key} has no document number: QuickBooks is read by it before posting, so it needs one (the order's number)`,
        );
      const api = quickbooksApi(context, options);
      const customer = customerOf(document);
      const resolve = async () => {
        if (customer) write = withCustomer(write, await customerIdOf(api, context, customer, signal));
      };
      if (document.kind === 'payment') await resolve();
      const found = await findPosted(api, document, write, signal);
      if (found) return postedOf(document, found, true);
      if (document.kind !== 'payment') await resolve();
      const created = await api.create<Transaction>(
        write.entity,
        write.body,
        requestIdOf(context.idempotencyKey, 'document'),
        signal,
      );
      return postedOf(document, created, false);
    },
  };
}
