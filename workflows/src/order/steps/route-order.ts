import {
  allocateStock,
  type Order,
  PermanentError,
  type PlannedShipment,
  releaseStock,
} from '@switchyard/core';
import { type RoutingDecision, routeOrder } from '@switchyard/mappings';
import type { FulfillmentPlan } from '../../plan.ts';
import { createCheckedStep, type UndoRun } from '../step.ts';

export interface Routed {
  outcome: RoutingDecision['outcome'];
  /** The shipments this round made, numbered after the order's earlier ones. */
  shipments: PlannedShipment[];
  /** What no location could supply now: routed again later (policies hold and ship-available). */
  backordered: RoutingDecision['backordered'];
  /** Lines given up by the cancel-line policy. */
  cancelled: RoutingDecision['cancelled'];
}

/** The step key of routing round `round` (1: the order as imported; 2, …: what was backordered). */
export const routeKey = (round: number) => (round === 1 ? 'route-order' : `route-order#${round}`);

/**
 * `route-order` (routed orders; `route-order#<n>` for a backorder's later rounds): the router (mappings/) picks
 * the locations among the tenant's by the channel's rules, on the stock figures locked for the decision, and
 * the chosen units are reserved in the same transaction (no oversell). The decision is explained on the
 * order's timeline: the candidates, why each was chosen or passed over, the shipments, the backorder.
 *
 * Undo (`release-stock`): the order's reservations released, after the labels are voided.
 */
export const routeToLocations = createCheckedStep({
  async invoke(
    input: {
      order: Order;
      plan: FulfillmentPlan;
      round: number;
      lines: { lineId: string; sku: string; quantity: number }[];
      /** The backorder has waited as long as the plan allows: a round that ships nothing fails. */
      giveUp: boolean;
    },
    s,
  ): Promise<Routed> {
    const { order, plan, round, lines } = input;
    // The locations and rules as configured now (a replay after they were corrected), else as when loaded.
    const routing = s.deps.plan(order)?.routing ?? plan.routing!;
    const to = order.shippingAddress!;
    const result = await allocateStock(s.deps.sql, {
      tenantId: order.tenantId,
      orderId: order.id,
      key: s.idempotencyKey,
      skus: lines.map((l) => l.sku),
      locations: routing.locations.map((l) => l.id),
      decide: (available) =>
        routeOrder({
          channel: order.source.connectionId,
          destination: { country: to.country!, ...(to.postalCode ? { postalCode: to.postalCode } : {}) },
          lines,
          locations: routing.locations,
          available,
          rules: routing.rules,
        }),
    });
    const { decision, shipments } = result;
    // A backorder routed again and still short says so once, in its first round, not every hour.
    if (round === 1 || shipments.length) {
      // Backordered: nothing ships now, something waits for stock; otherwise a decision (lines cancelled included).
      const waiting = !shipments.length && decision.backordered.length > 0;
      await s.record(order.id, waiting ? 'order.backordered' : 'order.routed', {
        round,
        outcome: decision.outcome,
        summary: decision.summary,
        candidates: decision.candidates,
        shipments: shipments.map((sh) => ({ n: sh.n, locationId: sh.locationId, lines: sh.lines })),
        backordered: decision.backordered,
        cancelled: decision.cancelled,
      });
    }
    if (!shipments.length) failUnshippable(order, decision, input.giveUp, routing.giveUpMs);
    return {
      outcome: decision.outcome,
      shipments,
      backordered: decision.backordered,
      cancelled: decision.cancelled,
    };
  },
  key: ({ round }) => routeKey(round),
  compensate: (routed, { order, round }) =>
    routed.shipments.length
      ? {
          key: round === 1 ? 'release-stock' : `release-stock#${round}`,
          what: 'release the reserved stock',
          // Even when a parcel already with the carrier stops the undoing: the units of shipments never labelled
          // must not stay held.
          always: true,
          async run(s: UndoRun) {
            const units = await releaseStock(s.deps.sql, {
              tenantId: order.tenantId,
              orderId: order.id,
              key: s.idempotencyKey,
              reason: s.reason,
            });
            if (units) await s.record(order.id, 'stock.released', { units, reason: s.reason });
            return units;
          },
        }
      : undefined,
});

/**
 * A round that ships nothing fails the step (so a replay, once the cause is fixed, routes again) when no location
 * may ship the order at all, or when the backorder has waited as long as the plan allows; else the workflow
 * waits and routes again.
 */
function failUnshippable(order: Order, decision: RoutingDecision, giveUp: boolean, giveUpMs: number) {
  const name = order.externalNumber ?? order.externalId;
  if (decision.outcome === 'unroutable') {
    throw new PermanentError(
      `order ${name} cannot be routed: ${decision.summary}; change the locations' channels or countries, then replay`,
    );
  }
  if (giveUp && decision.backordered.length) {
    const days = Math.round(giveUpMs / 86_400_000);
    throw new PermanentError(
      `order ${name} is still backordered after ${days} days (${decision.backordered.map((l) => `${l.quantity} × ${l.sku}`).join(', ')}): receive the stock, then replay, or cancel the order`,
    );
  }
}
