import type { Connection, Order, PurchasedLabel } from '@switchyard/core';
import { type Shipment, shipmentKey } from '../shipments.ts';
import { act, actionsOf, createStep } from '../step.ts';

/**
 * `push-fulfillment` (per shipment): the channel told what shipped, with carrier and tracking, notifying the
 * customer. Once the label is bought and the money taken, nothing before it is undone by a cancellation
 * caught here; one that comes later arrives during the tracking wait.
 */
export const tellTheChannel = createStep({
  invoke: (
    {
      order,
      channel,
      shipment,
      label,
    }: { order: Order; channel: Connection; shipment: Shipment; label: PurchasedLabel },
    s,
  ) =>
    actionsOf(channel).pushFulfillment!(act(channel, s.idempotencyKey), {
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
    }),
  key: ({ shipment }) => shipmentKey('push-fulfillment', shipment),
});
