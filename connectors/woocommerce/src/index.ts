import { defineConnector } from '@switchyard/core';
import { actions } from './actions.ts';
import { normalize } from './map-order.ts';
import { pullOrders } from './pull.ts';
import { Secrets, Settings } from './settings.ts';
import { stockReports } from './stock-reports.ts';
import { webhook } from './webhook.ts';

export { STOCK_TOPICS } from './stock-reports.ts';
export { wooSignature } from './webhook.ts';

/**
 * WooCommerce: order webhooks (with the creation ping), the poll that fills their gaps, write-back by notes,
 * stock figures set on products and variations, and the figures changed in WooCommerce read back from its
 * product webhooks.
 */
export const woocommerce = defineConnector({
  id: 'woocommerce',
  title: 'WooCommerce',
  capabilities: ['orders.webhook', 'orders.pull', 'fulfillment.push', 'inventory.push'],
  settings: Settings,
  secrets: Secrets,
  webhook,
  normalize,
  pull: pullOrders,
  actions,
  stockReports,
});

export default woocommerce;
