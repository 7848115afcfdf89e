import {
  type ActionContext,
  type ActionResult,
  type ConnectorActions,
  type Order,
  PermanentError,
  VendorError,
} from '@switchyard/core';
import { walmartClient } from './client.ts';
import { lineUnits } from './map-lines.ts';
import { poPath, readOrder } from './purchase-order.ts';
import type { Secrets, Settings } from './settings.ts';
import { linesToShip, shippingUpdate } from './shipping.ts';
import { pushStock } from './stock.ts';
import type { OrderLine, WalmartOrder } from './walmart-order.ts';

/**
 * A write whose answer never came (a dropped connection, a timeout, a 5xx) may or may not have been taken by
 * Walmart. Core's client does not repeat it (a POST without an idempotency key), and would call it permanent;
 * but the actions below read the order before they write, so repeating the whole step is safe and finds out:
 * the failure is given back as retryable, for the workflow step to try again.
 */
async function repeatable<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof VendorError) || error.retryable) throw error;
    if (error.status !== undefined && error.status < 500) throw error;
    // A plain error, not the VendorError it was: the workflow step retries it instead of parking the order.
    throw new Error(
      `${error.problem.detail} (Walmart may have taken it: the step reads the order again before repeating it)`,
      { cause: error },
    );
  }
}

/** Walmart's cancellation reasons; CUSTOMER_REQUESTED_SELLER_TO_CANCEL only for a line the buyer asked to cancel. */
function cancellationReason(line: OrderLine, reason: string): string {
  if (line.intentToCancel === 'Y') return 'CUSTOMER_REQUESTED_SELLER_TO_CANCEL';
  if (/pric/i.test(reason)) return 'SELLER_CANCEL_PRICING_ERROR';
  if (/fraud/i.test(reason)) return 'SELLER_CANCEL_FRAUD_STOP_SHIPMENT';
  if (/address|deliver|servic/i.test(reason)) return 'SELLER_CANCEL_ADDRESS_NOT_SERVICEABLE';
  return 'SELLER_CANCEL_OUT_OF_STOCK';
}

/** Every unit of every line Cancelled: nothing left to acknowledge, ship or cancel. */
function cancelledOnWalmart(order: WalmartOrder): boolean {
  return order.orderLines.orderLine.every((l) => {
    const units = lineUnits(l);
    return units.cancelled === units.ordered;
  });
}

/**
 * Cancels open units of the order's lines: all of them, or for the lines of `target` as many as it takes for the
 * line to show that many cancelled (never more than are open).
 */
async function cancelUnits(
  context: ActionContext<Settings, Secrets>,
  order: Order,
  reason: string,
  target?: ReadonlyMap<string, number>,
): Promise<ActionResult> {
  const api = walmartClient(context);
  const current = await readOrder(api, order.externalId, context.signal);
  const open = current.orderLines.orderLine
    .map((line) => {
      const units = lineUnits(line);
      const wanted = target ? (target.get(line.lineNumber) ?? units.cancelled) - units.cancelled : units.open;
      return { line, units: Math.min(units.open, Math.max(0, wanted)) };
    })
    .filter((x) => x.units > 0);
  if (open.length) {
    await repeatable(() =>
      api.json('POST', `${poPath(order.externalId)}/cancel`, {
        json: {
          orderCancellation: {
            orderLines: {
              orderLine: open.map(({ line, units }) => ({
                lineNumber: line.lineNumber,
                orderLineStatuses: {
                  orderLineStatus: [
                    {
                      status: 'Cancelled',
                      cancellationReason: cancellationReason(line, reason),
                      statusQuantity: { unitOfMeasurement: 'EACH', amount: String(units) },
                    },
                  ],
                },
              })),
            },
          },
        },
        signal: context.signal,
        what: `cancellation of purchase order ${order.externalId}`,
      }),
    );
  }
  return { externalId: order.externalId };
}

export const actions: ConnectorActions<Settings, Secrets> = {
  /**
   * `POST /v3/orders/{purchaseOrderId}/acknowledge`: the whole order taken (Walmart cancels what is not
   * acknowledged within hours; the workflow retries this step on its own). Walmart refuses to acknowledge an
   * order with no line left in Created, so a refusal is checked against the order as it is: acknowledged or
   * shipped already is done (a retry after a lost answer); anything else is the refusal.
   *
   * An order Walmart has cancelled whole (the buyer, or Walmart's own deadline) answers `cancelled`: the
   * workflow cancels the order at once, before a pull brings the cancellation into the hub.
   */
  async acknowledgeOrder(context, { order }): Promise<ActionResult & { cancelled?: string }> {
    const api = walmartClient(context);
    const po = order.externalId;
    try {
      await api.json('POST', `${poPath(po)}/acknowledge`, {
        // Acknowledging twice changes nothing: a lost answer may be asked again.
        idempotent: true,
        signal: context.signal,
        what: `acknowledgment of purchase order ${po}`,
      });
    } catch (error) {
      const refused = error instanceof VendorError && error.status !== undefined && error.status >= 400;
      const retrying = refused && [401, 403, 404, 429].includes(error.status!);
      if (!refused || retrying || error.status! >= 500) throw error;
      const current = await readOrder(api, po, context.signal);
      const created = current.orderLines.orderLine.some((l) =>
        l.orderLineStatuses.orderLineStatus.some((s) => s.status === 'Created'),
      );
      if (created) throw error;
      if (cancelledOnWalmart(current)) {
        return {
          externalId: po,
          cancelled: `purchase order ${po} is cancelled on Walmart (every line Cancelled)`,
        };
      }
    }
    return { externalId: po };
  },

  /**
   * `POST /v3/orders/{purchaseOrderId}/shipping`: the parcel's lines turned Shipped with carrier, method and
   * tracking, which is when Walmart charges the customer. The order is read first and only what Walmart does
   * not have yet under this tracking number is sent (shipping.ts), so a retried step charges nothing twice.
   */
  async pushFulfillment(context, { order, fulfillment }): Promise<ActionResult> {
    const tracking = fulfillment.trackingNumbers[0];
    if (!tracking) {
      throw new PermanentError(
        `Walmart needs a tracking number to ship purchase order ${order.externalId}: the parcel has none`,
      );
    }
    const api = walmartClient(context);
    const current = await readOrder(api, order.externalId, context.signal);
    const lines = linesToShip(current, fulfillment, tracking);
    if (lines.length) {
      await repeatable(() =>
        api.json('POST', `${poPath(order.externalId)}/shipping`, {
          json: shippingUpdate(context, order, fulfillment, lines, tracking),
          signal: context.signal,
          what: `shipping update of purchase order ${order.externalId}`,
        }),
      );
    }
    return { externalId: `${order.externalId}/${tracking}` };
  },

  /**
   * `POST /v3/orders/{purchaseOrderId}/cancel`: every unit not shipped yet cancelled, with Walmart's reason
   * (read from ours; the buyer's own request where the line carries it). Read first: nothing left to cancel is
   * done.
   */
  cancelOrder: (context, { order, reason }) => cancelUnits(context, order, reason),

  /**
   * The same call for some units of some lines (routing policy cancel-line): each line's target is the units the
   * hub's order shows cancelled plus those asked, and only what Walmart has not cancelled of it yet is sent, so a
   * retry after a lost answer cancels nothing twice.
   */
  cancelLines: (context, { order, lines, reason }) =>
    cancelUnits(
      context,
      order,
      reason,
      new Map(
        lines.map((l) => [
          l.lineId,
          (order.lines.find((o) => o.id === l.lineId)?.quantity.cancelled ?? 0) + l.quantity,
        ]),
      ),
    ),

  pushStock,
};
