import { type ActionContext, type Order, PermanentError } from '@switchyard/core';
import { METHOD_CODES, walmartCarrier } from './carriers.ts';
import { lineUnits } from './map-lines.ts';
import type { OrderLine, WalmartOrder } from './walmart-order.ts';

type Fulfillment = Order['fulfillments'][number];

/** Units of one line to report shipped now. */
export interface ShipLine {
  lineNumber: string;
  quantity: number;
}

/** The units of a line Walmart already has shipped under this tracking number. */
const shippedWith = (line: OrderLine, tracking: string) =>
  line.orderLineStatuses.orderLineStatus
    .filter((s) => s.status !== 'Created' && s.status !== 'Acknowledged' && s.status !== 'Cancelled')
    .filter((s) => s.trackingInfo?.trackingNumber === tracking)
    .reduce((n, s) => n + Number.parseInt(s.statusQuantity.amount, 10), 0);

/**
 * What of the parcel Walmart does not know yet, read from the order as it is now: the units each line already
 * shipped under this tracking number are not sent again (a retried step, or an answer lost after Walmart took
 * the update). Walmart charges the customer when a line turns Shipped, so this is what makes the charge
 * happen once. More units than the line still has to ship is refused: they shipped under other tracking or
 * were cancelled meanwhile.
 */
export function linesToShip(current: WalmartOrder, fulfillment: Fulfillment, tracking: string): ShipLine[] {
  const out: ShipLine[] = [];
  for (const { lineId, quantity } of fulfillment.lines) {
    const line = current.orderLines.orderLine.find((l) => l.lineNumber === lineId);
    if (!line) {
      throw new PermanentError(
        `Walmart's purchase order ${current.purchaseOrderId} has no line ${lineId}: the parcel names a line Walmart does not know`,
      );
    }
    const missing = quantity - shippedWith(line, tracking);
    if (missing <= 0) continue;
    const open = lineUnits(line).open;
    if (missing > open) {
      throw new PermanentError(
        `line ${lineId} of Walmart purchase order ${current.purchaseOrderId}: ${missing} units to report shipped with ${tracking}, but Walmart has ${open} still to ship (shipped with other tracking or cancelled): check the order in Seller Center`,
      );
    }
    out.push({ lineNumber: lineId, quantity: missing });
  }
  return out;
}

/** Walmart's carrier of a parcel: one it lists, or `otherCarrier`, which needs the tracking URL. */
function carrierName(fulfillment: Fulfillment, trackingURL: string | undefined) {
  const carrier = fulfillment.carrier?.trim();
  if (!carrier) throw new PermanentError('Walmart needs the carrier of a parcel: the label names none');
  const listed = walmartCarrier(carrier);
  if (listed) return { carrier: listed };
  if (!trackingURL) {
    throw new PermanentError(
      `Walmart does not list the carrier "${carrier}" and takes another carrier only with a tracking URL: give the parcel its tracking URL, or ship with a carrier Walmart lists`,
    );
  }
  return { otherCarrier: carrier };
}

/**
 * `POST /v3/orders/{purchaseOrderId}/shipping`'s body: each line turned Shipped for its units, with the ship
 * time (epoch ms), the carrier, the order's ship method (Walmart refuses another) and the tracking.
 */
export function shippingUpdate(
  context: ActionContext<unknown, unknown>,
  order: Order,
  fulfillment: Fulfillment,
  lines: ShipLine[],
  tracking: string,
) {
  const trackingURL = fulfillment.trackingUrls[0];
  const method = order.attributes['walmart.methodCode'];
  const methodCode = METHOD_CODES.find((m) => m === method) ?? 'Standard';
  const trackingInfo = {
    shipDateTime: fulfillment.shippedAt ? Date.parse(fulfillment.shippedAt) : context.now().getTime(),
    carrierName: carrierName(fulfillment, trackingURL),
    methodCode,
    trackingNumber: tracking,
    ...(trackingURL ? { trackingURL } : {}),
  };
  return {
    orderShipment: {
      orderLines: {
        orderLine: lines.map((l) => ({
          lineNumber: l.lineNumber,
          // Printed on Walmart's return label; at most 30 characters.
          ...(order.id.length <= 30 ? { sellerOrderId: order.id } : {}),
          orderLineStatuses: {
            orderLineStatus: [
              {
                status: 'Shipped',
                statusQuantity: { unitOfMeasurement: 'EACH', amount: String(l.quantity) },
                trackingInfo,
              },
            ],
          },
        })),
      },
    },
  };
}
