import { createHash } from 'node:crypto';
import { type ActionResult, type ConnectorActions, PermanentError } from '@switchyard/core';
import { carrierOf } from './carriers.ts';
import { amazonApi } from './client.ts';
import type { Secrets, Settings } from './settings.ts';
import { pushStock } from './stock.ts';

/**
 * The package reference of a workflow step's shipment: derived from its idempotency key, so a retried step sends
 * the same one and Amazon edits that package instead of adding another (confirmShipment has no idempotency key;
 * a package reference is its handle). Amazon takes positive numbers only: 12 hex digits of the key's SHA-256 as
 * a decimal number, at most 2^48, plus one.
 */
export function packageReferenceId(idempotencyKey: string): string {
  const hex = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 12);
  return String(Number.parseInt(hex, 16) + 1);
}

export const actions: ConnectorActions<Settings, Secrets> = {
  /**
   * One shipment, one package: Orders v0 confirmShipment (it stays in v0; not deprecated) with the carrier code
   * mapped from the label's carrier, its service as the shipping method, its tracking number and the order items
   * it carries (Amazon's orderItemIds, kept as the lines' ids). Amazon answers 204. An order fulfilled by Amazon
   * is Amazon's to ship: refused before any call.
   */
  async pushFulfillment(context, { order, fulfillment }): Promise<ActionResult> {
    if (order.attributes['amazon.fulfilledBy'] === 'AMAZON') {
      throw new PermanentError(
        `order ${order.externalId} is fulfilled by Amazon: Amazon ships and confirms it, so the hub confirms no shipment for it`,
      );
    }
    const trackingNumber = fulfillment.trackingNumbers[0];
    if (!trackingNumber) {
      throw new PermanentError(
        `the shipment of order ${order.externalId} has no tracking number, which Amazon requires to confirm a package`,
      );
    }
    const orderItems = fulfillment.lines.map((l) => {
      const line = order.lines.find((candidate) => candidate.id === l.lineId);
      if (!line) {
        throw new PermanentError(
          `the shipment of order ${order.externalId} names line ${l.lineId}, which the order does not have`,
        );
      }
      return { orderItemId: line.externalId ?? line.id, quantity: l.quantity };
    });
    const reference = packageReferenceId(context.idempotencyKey);
    await amazonApi(context).json(
      'confirmShipment',
      'POST',
      `orders/v0/orders/${encodeURIComponent(order.externalId)}/shipmentConfirmation`,
      {
        json: {
          marketplaceId: order.attributes['amazon.marketplaceId'] ?? context.settings.marketplaceIds[0],
          packageDetail: {
            packageReferenceId: reference,
            ...carrierOf(fulfillment.carrier),
            ...(fulfillment.service ? { shippingMethod: fulfillment.service } : {}),
            trackingNumber,
            shipDate: fulfillment.shippedAt ?? context.now().toISOString(),
            orderItems,
          },
        },
        // The same package reference edits the same package: repeating the call cannot add a second one.
        idempotent: true,
        signal: context.signal,
        what: `shipment confirmation of order ${order.externalId}`,
      },
    );
    return { externalId: reference };
  },
  pushStock,
};
