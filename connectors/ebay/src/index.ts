import { defineConnector } from '@switchyard/core';
import { actions } from './actions.ts';
import { normalize } from './map-order.ts';
import { pullOrders } from './pull.ts';
import { Secrets, Settings } from './settings.ts';
import { webhook } from './webhook.ts';

export { carrierCode, trackingOf } from './actions.ts';
export { orderKey } from './pull.ts';
export { challengeResponse, pemOf, SIGNATURE_HEADER } from './signature.ts';

/**
 * eBay (Sell APIs, REST): ORDER_CONFIRMATION notifications verified by eBay's public key and hydrated with
 * getOrder, the getOrders pull that fills their gaps, shipping fulfillments and listing quantities pushed back.
 */
export const ebay = defineConnector({
  id: 'ebay',
  title: 'eBay',
  capabilities: ['orders.webhook', 'orders.pull', 'fulfillment.push', 'inventory.push'],
  settings: Settings,
  secrets: Secrets,
  webhook,
  normalize,
  pull: pullOrders,
  actions,
  // "Each listing can be revised up to 250 times in one calendar day" (Inventory API): a quantity is a revision.
  stockPushLimit: { perSkuPerDay: 250 },
});

export default ebay;
