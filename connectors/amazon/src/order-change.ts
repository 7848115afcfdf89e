import { jsonObject, type StoredPayload } from '@switchyard/core';
import { type AmazonStatus, amazonStatus } from './status.ts';

/**
 * What an ORDER_CHANGE notification says (Notifications API, payload version 1.0), read by the queue (sqs.ts:
 * whose seller it is) and the intake (webhook.ts: verify, dedupe key, the order to fetch).
 */
export interface OrderChange {
  notificationId?: string;
  type?: string;
  sellerId?: string;
  orderId?: string;
  changeType?: string;
  /** The order's status as the notification spells it (CamelCase: `Unshipped`, `Canceled`), in the API's. */
  status?: AmazonStatus;
  fulfillmentType?: string;
}

const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** What an ORDER_CHANGE notification says; every field undefined when the body is not one. Never throws. */
export function readOrderChange(request: Pick<StoredPayload, 'body'>): OrderChange {
  const body = jsonObject(request.body);
  const payload = body?.Payload as { OrderChangeNotification?: Record<string, unknown> } | undefined;
  const change = payload?.OrderChangeNotification;
  const summary = change?.Summary as Record<string, unknown> | undefined;
  const metadata = body?.NotificationMetadata as Record<string, unknown> | undefined;
  const status = amazonStatus(text(summary?.OrderStatus));
  const read: OrderChange = {
    notificationId: text(metadata?.NotificationId),
    type: text(body?.NotificationType),
    sellerId: text(change?.SellerId),
    orderId: text(change?.AmazonOrderId),
    changeType: text(change?.OrderChangeType),
    fulfillmentType: text(summary?.FulfillmentType),
    ...(status ? { status } : {}),
  };
  return read;
}
