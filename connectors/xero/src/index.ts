import { defineConnector } from '@switchyard/core';
import { actions } from './actions.ts';
import { authorization } from './authorization.ts';
import { books } from './books.ts';
import { Secrets, Settings } from './settings.ts';
import { normalize, webhook } from './webhook.ts';

export { idempotencyKeyOf } from './amounts.ts';
export { DEFAULT_SCOPES, Secrets, Settings } from './settings.ts';
export { xeroSignature } from './webhook.ts';

/**
 * Xero: sales, invoices, payments, refunds, fees and daily journals posted once to the merchant's organisation
 * (through the official xero-node client), authorized by the merchant in Xero's consent page; invoices paid in
 * Xero read back from its webhooks and a periodic If-Modified-Since read.
 */
export const xero = defineConnector({
  id: 'xero',
  title: 'Xero',
  capabilities: ['events.webhook', 'accounting.post'],
  settings: Settings,
  secrets: Secrets,
  webhook,
  normalize,
  actions,
  authorization,
  books,
});

export default xero;
