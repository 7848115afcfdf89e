import { type Connection, metShipBy, type Order, type PurchasedLabel } from '@switchyard/core';
import { type Shipment, shipmentKey } from '../shipments.ts';
import { act, actionsOf, createStep } from '../step.ts';

/**
 * `push-fulfillment` (per shipment): the channel told what shipped, with carrier and tracking, notifying the
 * customer; a routed shipment names the channel's location it left from, and all but the last are partial. Once the label is bought and the money taken, nothing before it is undone by a cancellation
 * caught here; one that comes later arrives during the tracking wait.
 */
export const tellTheChannel = createStep({
  invoke: async (
    {
      order,
      channel,
      shipment,
      label,
      location,
      final,
    }: {
      order: Order;
      channel: Connection;
      shipment: Shipment;
      label: PurchasedLabel;
      /** The channel's id of the location it left from (a routed shipment on a channel with a stock mapping). */
      location?: string | undefined;
      /** False while more shipments of the order are to come. */
      final: boolean;
    },
    s,
  ) => {
    const done = await actionsOf(channel).pushFulfillment!(act(channel, s.idempotencyKey), {
      order,
      fulfillment: {
        id: `ful-${label.shipmentId}`,
        status: 'in_transit',
        lines: shipment.lines,
        carrier: label.carrier,
        service: label.service,
        trackingNumbers: [label.trackingCode],
        trackingUrls: [],
      },
      notifyCustomer: true,
      ...(location ? { location } : {}),
      final,
    });
    // The last parcel confirmed: a marketplace's ship-by deadline is met.
    if (final) await metShipBy(s.deps.sql, order.id);
    return done;
  },
  key: ({ shipment }) => shipmentKey('push-fulfillment', shipment),
});
