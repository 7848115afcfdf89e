import type { InboundRequest, WebhookIntake } from '@switchyard/core';
import { readOrderChange } from './order-change.ts';
import { fetchOrder } from './pull.ts';
import type { Secrets, Settings } from './settings.ts';
import { sqsQueue } from './sqs.ts';

export { type OrderChange, readOrderChange } from './order-change.ts';

/**
 * ORDER_CHANGE notifications, read from the merchant's SQS queue (auth `queue`: nothing arrives over HTTP, and a
 * queued message proves nothing by itself, so `verify` checks its own claims: an ORDER_CHANGE, for this
 * connection's seller). A notification is a hint (thin): stored under its NotificationId, then the order it
 * names is read again with getOrder, the same record and key a pull gives that state of the order.
 */
export const webhook: WebhookIntake<Settings, Secrets> = {
  auth: 'queue',
  contentTypes: ['application/json'],
  credentialHeaders: [],
  queue: sqsQueue,
  verify(request: InboundRequest, { settings }) {
    const change = readOrderChange(request);
    if (change.type !== 'ORDER_CHANGE') {
      return {
        ok: false,
        status: 404,
        reason: change.type
          ? `a ${change.type} notification, not ORDER_CHANGE: this queue should carry ORDER_CHANGE only (check the queue's subscriptions)`
          : 'not an SP-API notification (no NotificationType): something else writes to this queue',
      };
    }
    if (change.sellerId !== settings.sellerId) {
      return {
        ok: false,
        status: 404,
        // The queue normally makes another seller's message visible again before this (sqs.ts): this is its
        // fallback, when SQS would not (no sqs:ChangeMessageVisibility), or a message naming no seller.
        reason: `an ORDER_CHANGE for seller ${change.sellerId ?? '(none)'}, not this connection's ${settings.sellerId}: left on the queue for its own connection`,
      };
    }
    return { ok: true };
  },
  // SQS delivers at least once and a standard queue reorders: the notification's own id keys it.
  dedupeKey: (request) => {
    const id = readOrderChange(request).notificationId;
    return id ? `notification:${id}` : undefined;
  },
  hydrate: {
    resource(notification) {
      const change = readOrderChange(notification);
      return change.orderId ? { type: 'order', id: change.orderId } : undefined;
    },
    fetch: (context, resource, signal) => fetchOrder(context, resource.id, signal),
  },
};
