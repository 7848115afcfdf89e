import { defineConnector } from '@switchyard/core';
import { normalize } from './map-order.ts';
import { Secrets, Settings } from './settings.ts';
import { webhook } from './webhook.ts';

export { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign, signedHeaders, TIMESTAMP_HEADER } from './webhook.ts';

/** http-json: custom storefronts and ERPs POST orders in the hub's own format, signed as Stripe signs webhooks. */
export const httpJson = defineConnector({
  id: 'http-json',
  title: 'HTTP JSON (custom storefronts and ERPs)',
  capabilities: ['orders.webhook'],
  settings: Settings,
  secrets: Secrets,
  webhook,
  normalize,
});

export default httpJson;
