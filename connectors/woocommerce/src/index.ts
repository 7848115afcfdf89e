import { defineConnector } from '@switchyard/core';
import { actions } from './actions.ts';
import { normalize } from './map-order.ts';
import { pullOrders } from './pull.ts';
import { Secrets, Settings } from './settings.ts';
import { webhook } from './webhook.ts';

export { wooSignature } from './webhook.ts';

/** WooCommerce: order webhooks (with the creation ping), the poll that fills their gaps, write-back by notes. */
export const woocommerce = defineConnector({
  id: 'woocommerce',
  title: 'WooCommerce',
  capabilities: ['orders.webhook', 'orders.pull', 'fulfillment.push'],
  settings: Settings,
  secrets: Secrets,
  webhook,
  normalize,
  pull: pullOrders,
  actions,
});

export default woocommerce;
