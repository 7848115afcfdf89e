import { defineConnector } from '@switchyard/core';
import { shopifyActions } from './actions.ts';
import { isBulkCursor, pullBulk } from './bulk.ts';
import { normalize } from './map-order.ts';
import { pullOrders } from './pull.ts';
import { Secrets, Settings } from './settings.ts';
import { stockReports } from './stock-reports.ts';
import { shopifyWebhook } from './webhook.ts';

export { API_VERSION } from './client.ts';
export { ORDER_TOPICS, SIGNAL_TOPICS } from './map-order.ts';
export { STOCK_TOPIC } from './stock-reports.ts';
export { shopifySignature } from './webhook.ts';

/**
 * Shopify: order webhooks verified and deduped, the GraphQL pull (and a bulk export for backfills), orders
 * normalized in shop money with exact ids, fulfillment (moved to the shipment's location), tracking,
 * cancellation, notes and refunds written back, stock figures set per location, and the levels changed in
 * Shopify read back from inventory_levels/update. Each part is in the file named for it; this is the wiring.
 */
export const shopify = defineConnector({
  id: 'shopify',
  title: 'Shopify',
  capabilities: ['orders.webhook', 'orders.pull', 'fulfillment.push', 'inventory.push'],
  settings: Settings,
  secrets: Secrets,
  webhook: shopifyWebhook,
  actions: shopifyActions,
  pull(context, request) {
    // A backfill runs as one bulk export unless the connection says otherwise; its cursor says so on resume.
    if (isBulkCursor(request.cursor) || (request.backfill && context.settings.bulkBackfill)) {
      return pullBulk(context.settings, context.secrets.accessToken, request);
    }
    return pullOrders(context, request);
  },
  normalize,
  stockReports,
});

export default shopify;
