import { defineConnector } from '@switchyard/core';
import { actions } from './actions.ts';
import { normalize } from './map-order.ts';
import { pullOrders } from './pull.ts';
import { Secrets, Settings } from './settings.ts';
import { webhook } from './webhook.ts';

export { packageReferenceId } from './actions.ts';
export { carrierOf } from './carriers.ts';
export { orderKey } from './pull.ts';
export { USAGE_PLANS } from './rate-limit.ts';
export { clientSecretNotice } from './token.ts';

/**
 * Amazon (SP-API): orders in by Orders v2026-01-01 (searchOrders pulls, ORDER_CHANGE notifications from the
 * seller's SQS queue hydrated with getOrder), shipments confirmed by Orders v0 confirmShipment, merchant stock
 * set by the Listings Items API. Orders Amazon fulfils (FBA) come in as Amazon's to ship.
 */
export const amazon = defineConnector({
  id: 'amazon',
  title: 'Amazon',
  capabilities: ['orders.webhook', 'orders.pull', 'fulfillment.push', 'inventory.push'],
  settings: Settings,
  secrets: Secrets,
  webhook,
  normalize,
  pull: pullOrders,
  actions,
});

export default amazon;
