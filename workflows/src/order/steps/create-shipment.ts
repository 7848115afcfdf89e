import {
  type Connection,
  markShipmentRated,
  type Order,
  PermanentError,
  shipmentLocation,
} from '@switchyard/core';
import { chooseRate, shipFromAddress } from '@switchyard/mappings';
import type { FulfillmentPlan } from '../../plan.ts';
import { type Shipment, shipmentKey, shipTo } from '../shipments.ts';
import { act, actionsOf, connection, createCheckedStep, type StepRun } from '../step.ts';

/**
 * Where a shipment leaves from and who buys its label: the plan's for an unrouted order; for a routed one, its
 * location as it is now (an operator may have moved it), with the location's own shipping connection if it has one.
 */
async function origin(
  s: StepRun,
  order: Order,
  plan: FulfillmentPlan,
  shipment: Shipment,
  shipping: Connection,
) {
  if (!shipment.locationId) return { from: shipment.from, shipping };
  const locationId = (await shipmentLocation(s.deps.sql, order.id, shipment.n)) ?? shipment.locationId;
  // The locations as configured now (an address corrected since), else as when the order was loaded.
  const routing = s.deps.plan(order)?.routing ?? plan.routing;
  const location = routing?.locations.find((l) => l.id === locationId);
  if (!location) {
    throw new PermanentError(
      `order ${order.externalId}: shipment ${shipment.n} is routed to location "${locationId}", which is not configured now: reroute it, then replay`,
    );
  }
  return {
    from: shipFromAddress(location),
    locationId,
    shipping: location.shipping ? connection(s.deps, location.shipping, 'shipping') : shipping,
  };
}

/**
 * `create-shipment` (per shipment): the carrier's shipment (EasyPost, the parcel from the lines' weights) and
 * the rate chosen by the shipping rules, in one step: creating a shipment costs nothing, so a replay after a
 * fix to the rules asks the carriers again. A routed shipment is made from its location as it is now, and
 * can no longer be moved once made. Nothing to undo.
 */
export const createShipment = createCheckedStep({
  async invoke(input: { order: Order; plan: FulfillmentPlan; shipping: Connection; shipment: Shipment }, s) {
    const { order, plan, shipment } = input;
    const { from, locationId, shipping } = await origin(s, order, plan, shipment, input.shipping);
    const made = await actionsOf(shipping).createShipment!(act(shipping, s.idempotencyKey), {
      order,
      from,
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
    if (locationId && !(await markShipmentRated(s.deps.sql, order.id, shipment.n, locationId))) {
      // Moved by an operator while the carrier was asked: asked again, from the new place.
      throw new Error(`shipment ${shipment.n} of order ${order.externalId} was rerouted meanwhile`);
    }
    return {
      shipment: { shipmentId: made.shipmentId },
      rate: choice.rate,
      from,
      ...(locationId ? { locationId } : {}),
      shippingConnection: shipping.id,
    };
  },
  key: ({ shipment }) => shipmentKey('create-shipment', shipment),
});
