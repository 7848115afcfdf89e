import { defineConnector } from '@switchyard/core';
import { quickbooksActions } from './actions.ts';
import { quickbooksBooks } from './books.ts';
import { normalize } from './normalize.ts';
import { quickbooksAuthorization } from './oauth.ts';
import { Secrets, Settings } from './settings.ts';
import { quickbooksWebhook } from './webhook.ts';

export { quickbooksActions } from './actions.ts';
export { CDC_LOOKBACK_MS, cdcStart, invoiceState, quickbooksBooks } from './books.ts';
export {
  type QuickBooksApi,
  type QuickBooksApiOptions,
  quickbooksApi,
  REQUEST_TIMEOUT_MS,
} from './client.ts';
export { booksChanges } from './cloud-events.ts';
export { REQUEST_ID_MAX, requestIdOf } from './identity.ts';
export { toQuickBooks } from './map-document.ts';
export { IGNORED } from './normalize.ts';
export { ACCOUNTING_SCOPE, quickbooksAuthorization } from './oauth.ts';
export { API_ORIGINS, apiOriginOf, MINOR_VERSION, Secrets, Settings } from './settings.ts';
export { QUICKBOOKS_LIMITS } from './throttle.ts';

/**
 * QuickBooks Online: the hub posts sales receipts, invoices, payments, refunds (refund receipts or credit memos),
 * daily journal entries and gateway fees to the merchant's company, each once; and reads invoices paid in
 * QuickBooks back from its webhooks (CloudEvents) and change data capture. The merchant connects the company
 * once through Intuit's consent page (`authorization`); the hub keeps and refreshes the grant.
 */
export const quickbooks = defineConnector({
  id: 'quickbooks',
  title: 'QuickBooks Online',
  capabilities: ['events.webhook', 'accounting.post'],
  settings: Settings,
  secrets: Secrets,
  webhook: quickbooksWebhook,
  normalize,
  actions: quickbooksActions(),
  authorization: quickbooksAuthorization,
  books: quickbooksBooks(),
});

export default quickbooks;
