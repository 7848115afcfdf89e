import { defineConnector } from '@switchyard/core';
import { actions } from './actions.ts';
import { normalize } from './map-order.ts';
import { pullOrders } from './pull.ts';
import { Secrets, Settings } from './settings.ts';
import { webhook } from './webhook.ts';

export { signature } from './webhook.ts';

/** Ebay: order webhooks, the pull that fills their gaps, fulfillments pushed back. */
export const ebay = defineConnector({
  id: 'ebay',
  title: 'Ebay',
  capabilities: ['orders.webhook', 'orders.pull', 'fulfillment.push'],
  settings: Settings,
  secrets: Secrets,
  webhook,
  normalize,
  pull: pullOrders,
  actions,
});

export default ebay;
