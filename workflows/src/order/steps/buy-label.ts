import {
  appendOrderEvent,
  type Connection,
  type Order,
  PermanentError,
  type PurchasedLabel,
  releaseStock,
  type ShippingRate,
  shipStock,
  unshipStock,
} from '@switchyard/core';
import { type Shipment, shipmentKey } from '../shipments.ts';
import { act, actionsOf, createCheckedStep, type UndoRun } from '../step.ts';

/** A cancellation the carrier's scan came before: nothing more is undone, the order goes to a person. */
export function withCarrier(order: Order, label: PurchasedLabel, reason: string) {
  return new PermanentError(
    `order ${order.externalId} was cancelled on the channel (${reason}) after ${label.carrier} had the parcel (${label.trackingCode}): intercept it or arrange a return, then refund`,
  );
}

/**
 * `buy-label` (per shipment): the label at the chosen rate (EasyPost reads the shipment before buying, so a
 * step run again gets the label it bought), written as `label.purchased` on the order's timeline. For a
 * routed shipment the units it carries leave its location's shelf and reservation in the same step (keyed by
 * it: once), and what it reserved and does not carry is released; the channels' figures follow.
 *
 * Undo (`void-label`): the label voided, before any money moves, and a routed shipment's units put back on
 * the shelf and into the reservation (which `release-stock` frees after). When EasyPost answers that the
 * carrier has scanned the parcel (`with-carrier`), the compensation stops there, the stock untouched: the
 * parcel is on its way, and its money stays until a person has intercepted it or arranged a return.
 */
export const buyLabel = createCheckedStep({
  async invoke(
    input: {
      order: Order;
      shipping: Connection;
      shipment: Shipment;
      made: { shipment: { shipmentId: string }; rate: ShippingRate };
    },
    s,
  ): Promise<PurchasedLabel> {
    const { order, shipping, made } = input;
    const label = await actionsOf(shipping).buyLabel!(act(shipping, s.idempotencyKey), {
      shipmentId: made.shipment.shipmentId,
      rateId: made.rate.rateId,
    });
    await s.record(order.id, 'label.purchased', {
      carrier: label.carrier,
      service: label.service,
      trackingCode: label.trackingCode,
      price: label.price,
    });
    if (input.shipment.locationId) {
      const moved = await shipStock(s.deps.sql, {
        tenantId: order.tenantId,
        orderId: order.id,
        n: input.shipment.n,
        key: s.idempotencyKey,
        lines: input.shipment.lines,
      });
      // Its own key: the step's is taken by label.purchased, and a timeline event is written once per key.
      await appendOrderEvent(s.deps.sql, {
        orderId: order.id,
        type: 'stock.shipped',
        data: { n: input.shipment.n, locationId: input.shipment.locationId, ...moved },
        stepKey: `${s.idempotencyKey}:stock`,
      });
    }
    return label;
  },
  key: ({ shipment }) => shipmentKey('buy-label', shipment),
  compensate: (label, { order, shipping, shipment }) => ({
    key: shipmentKey('void-label', shipment),
    what: 'void the label',
    async run(s: UndoRun) {
      const answer = await actionsOf(shipping).voidLabel!(act(shipping, s.idempotencyKey), {
        shipmentId: label.shipmentId,
      });
      if (answer.status !== 'with-carrier') {
        await s.record(order.id, 'label.voided', { trackingCode: label.trackingCode, ...answer });
        if (shipment.locationId) {
          const units = await unshipStock(s.deps.sql, {
            tenantId: order.tenantId,
            orderId: order.id,
            n: shipment.n,
            key: s.idempotencyKey,
          });
          // This shipment's units are freed here, not only by release-stock at the end: a later undo that stops
          // the chain (another parcel already with the carrier) must not leave them held.
          const released = await releaseStock(s.deps.sql, {
            tenantId: order.tenantId,
            orderId: order.id,
            key: s.idempotencyKey,
            reason: s.reason,
            n: shipment.n,
          });
          if (units || released) {
            await appendOrderEvent(s.deps.sql, {
              orderId: order.id,
              type: 'stock.unshipped',
              data: { n: shipment.n, units, released },
              stepKey: `${s.idempotencyKey}:stock`,
            });
          }
        }
      }
      return answer;
    },
    stop: (answer: { status: string }, reason: string) =>
      answer.status === 'with-carrier' ? withCarrier(order, label, reason) : undefined,
  }),
});
