import { randomUUID } from 'node:crypto';
import {
  appendOrderEvent,
  HubError,
  type OrderRouting,
  orderRouting,
  recordAudit,
  rerouteShipmentIn,
  type Sql,
} from '@switchyard/core';
import { type OperatorContext, requireRole } from './context.ts';
import { knownLocation, shown } from './inventory.ts';
import { workflowOf } from './workflows.ts';

/**
 * Where an order was sent: its routing decisions as the router explained them, its shipments as they stand,
 * and an operator's override (a planned shipment moved to another location; the workflow ships it from there).
 */

function orderNotFound(ctx: OperatorContext, orderId: string): HubError {
  return new HubError({
    type: 'order-not-found',
    title: 'No such order',
    status: 404,
    detail: `tenant ${ctx.by.tenantId} has no order ${shown(orderId)}`,
    fix: 'use the id of one of your orders (GET /api/v1/orders), not its number on the channel',
  });
}

async function requireOrder(ctx: OperatorContext, orderId: string): Promise<void> {
  const [row] = await ctx.hub.sql`
    select 1 from orders where id = ${orderId} and tenant_id = ${ctx.by.tenantId}`;
  if (!row) throw orderNotFound(ctx, orderId);
}

/** The order's routing decisions (oldest first) and its shipments; 404 for an order not of the tenant. */
export async function routingOf(ctx: OperatorContext, orderId: string): Promise<OrderRouting> {
  await requireOrder(ctx, orderId);
  return orderRouting(ctx.hub.sql as Sql, ctx.by.tenantId, orderId);
}

export interface Reroute {
  orderId: string;
  n: number;
  from: string;
  to: string;
  lines: { lineId: string; sku: string; quantity: number }[];
  /** The order's workflow state after the move (null: none started, or not readable from here). */
  workflowState: string | null;
  /** True when the workflow failed: it ships the moved shipment only once replayed. */
  replayNeeded: boolean;
  /** What happened and what to do next, in one sentence. */
  message: string;
}

/**
 * Moves planned shipment `n` of an order to another of the tenant's locations (operator): its units are
 * reserved there and released where they were, the order's timeline says so, and the audit entry commits with
 * it. 409 once its carrier shipment was made or when the new place cannot promise every line; 404 for no such
 * order or shipment.
 */
export async function rerouteAction(
  ctx: OperatorContext,
  orderId: string,
  n: number,
  to: string,
): Promise<Reroute> {
  requireRole(ctx, 'operator', 'rerouting a shipment');
  await requireOrder(ctx, orderId);
  knownLocation(ctx, to);
  const key = `reroute:${orderId}:${n}:${randomUUID()}`;
  const moved = await ctx.hub.sql.begin(async (tx) => {
    const result = await rerouteShipmentIn(tx, {
      tenantId: ctx.by.tenantId,
      orderId,
      n,
      to,
      key,
      actor: ctx.by.actor,
    });
    if (result.from !== result.to) {
      await appendOrderEvent(tx, {
        orderId,
        type: 'order.rerouted',
        data: { n, from: result.from, to: result.to, lines: result.lines, by: ctx.by.actor },
        stepKey: key,
      });
      await recordAudit(tx, ctx.by, {
        action: 'shipment.reroute',
        targetType: 'order',
        targetId: orderId,
        before: { shipment: n, locationId: result.from },
        after: { shipment: n, locationId: result.to },
        requestId: ctx.requestId,
      });
    }
    return result;
  });
  let workflowState: string | null = null;
  try {
    workflowState = (await workflowOf(ctx, orderId))?.state ?? null;
  } catch {
    // The engine is not readable from this process: the answer says nothing of the workflow.
  }
  const replayNeeded = workflowState === 'failed';
  const what =
    moved.from === moved.to
      ? `shipment ${n} already leaves from ${to}: nothing moved`
      : `shipment ${n} of order ${orderId} now leaves from ${to} (was ${moved.from})`;
  const next = replayNeeded
    ? `; the order's workflow has failed: replay it (order:${orderId}) to ship from ${to}`
    : workflowState === 'pending' || workflowState === 'queued'
      ? '; the workflow ships it from there'
      : '';
  return { orderId, n, ...moved, workflowState, replayNeeded, message: `${what}${next}` };
}
