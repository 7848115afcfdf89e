import type { ActionResult, ConnectorActions } from '@switchyard/core';
import { vendorClient } from './client.ts';
import type { Secrets, Settings } from './settings.ts';

export const actions: ConnectorActions<Settings, Secrets> = {
  /**
   * Creates the fulfillment with its tracking, once: the vendor keeps the Idempotency-Key and answers a retry
   * with the fulfillment it already made. (A vendor without idempotency keys: look for the fulfillment by a
   * reference before creating it, as WooCommerce's actions do.)
   */
  async pushFulfillment(context, { order, fulfillment, notifyCustomer }): Promise<ActionResult> {
    const created = await vendorClient(context).json<{ id: string }>(
      'POST',
      `orders/${encodeURIComponent(order.externalId)}/fulfillments`,
      {
        headers: { 'idempotency-key': context.idempotencyKey },
        json: {
          lines: fulfillment.lines.map((l) => ({
            line_id: order.lines.find((line) => line.id === l.lineId)?.externalId ?? l.lineId,
            quantity: l.quantity,
          })),
          carrier: fulfillment.carrier ?? null,
          tracking_numbers: fulfillment.trackingNumbers,
          notify_customer: notifyCustomer,
        },
        signal: context.signal,
        what: `order ${order.externalId} fulfillment`,
      },
    );
    return { externalId: created.id };
  },
};
