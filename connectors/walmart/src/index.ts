import { defineConnector } from '@switchyard/core';
import { actions } from './actions.ts';
import { normalize } from './map-order.ts';
import { pullOrders } from './pull.ts';
import { Secrets, Settings } from './settings.ts';

export { orderKey } from './record.ts';
export { TOKEN_NAME } from './token.ts';

/**
 * Walmart Marketplace (US): released orders pulled on a schedule (and what changed since), each acknowledged by
 * the order workflow, shipping updates per line with carrier and tracking (the customer charged once), line
 * cancellations, and stock per SKU and ship node. Pull only: the hub subscribes to no Walmart notification.
 */
export const walmart = defineConnector({
  id: 'walmart',
  title: 'Walmart Marketplace',
  capabilities: ['orders.pull', 'fulfillment.push', 'inventory.push'],
  settings: Settings,
  secrets: Secrets,
  normalize,
  pull: pullOrders,
  actions,
});

export default walmart;
