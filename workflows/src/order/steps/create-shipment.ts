import { type Connection, type Order, PermanentError } from '@switchyard/core';
import { chooseRate } from '@switchyard/mappings';
import type { FulfillmentPlan } from '../../plan.ts';
import { type Shipment, shipmentKey, shipTo } from '../shipments.ts';
import { act, actionsOf, createCheckedStep } from '../step.ts';

/**
 * `create-shipment` (per shipment): the carrier's shipment (EasyPost, the parcel from the lines' weights) and
 * the rate chosen by the shipping rules, in one step: creating a shipment costs nothing, so a replay after a
 * fix to the rules asks the carriers again. Nothing to undo.
 */
export const createShipment = createCheckedStep({
  async invoke(input: { order: Order; plan: FulfillmentPlan; shipping: Connection; shipment: Shipment }, s) {
    const { order, plan, shipping, shipment } = input;
    const made = await actionsOf(shipping).createShipment!(act(shipping, s.idempotencyKey), {
      order,
      from: shipment.from,
      to: shipTo(order),
      parcel: {
        ...plan.defaultParcel,
        ...(shipment.weightGrams > 0 ? { weightGrams: shipment.weightGrams } : {}),
      },
      reference: s.idempotencyKey,
    });
    const method = order.shippingLines[0];
    const choice = chooseRate(made.rates, { code: method?.code, title: method?.title }, plan.rules);
    if (!choice.ok) throw new PermanentError(`order ${order.externalId}: ${choice.reason}`);
    return { shipment: { shipmentId: made.shipmentId }, rate: choice.rate };
  },
  key: ({ shipment }) => shipmentKey('create-shipment', shipment),
});
