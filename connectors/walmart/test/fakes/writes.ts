import { METHOD_CODES, WALMART_CARRIERS } from '../../src/carriers.ts';
import type { LineStatus, WalmartOrder } from '../../src/walmart-order.ts';

type Line = WalmartOrder['orderLines']['orderLine'][number];
type Applied<T> = ({ ok: true } & T) | { ok: false; error: string; field: string };
interface Shipped {
  lineNumber: string;
  quantity: number;
  trackingNumber: string;
  carrier: string;
  methodCode: string;
}

/** Walmart's cancellation reasons (`CancelLineStatusType.cancellationReason`). */
export const CANCELLATION_REASONS = [
  'CUSTOMER_REQUESTED_SELLER_TO_CANCEL',
  'SELLER_CANCEL_PRICING_ERROR',
  'SELLER_CANCEL_OUT_OF_STOCK',
  'SELLER_CANCEL_FRAUD_STOP_SHIPMENT',
  'SELLER_CANCEL_ADDRESS_NOT_SERVICEABLE',
];
const units = (s: LineStatus) => Number.parseInt(s.statusQuantity.amount, 10);
const open = (line: Line) =>
  line.orderLineStatuses.orderLineStatus
    .filter((s) => s.status === 'Created' || s.status === 'Acknowledged')
    .reduce((n, s) => n + units(s), 0);

/** Takes `quantity` units out of the line's open statuses (Created, Acknowledged) and adds `status` for them. */
function move(line: Line, quantity: number, status: LineStatus, now: number) {
  let left = quantity;
  for (const s of line.orderLineStatuses.orderLineStatus) {
    if (left === 0 || (s.status !== 'Created' && s.status !== 'Acknowledged')) continue;
    const taken = Math.min(left, units(s));
    s.statusQuantity = { ...s.statusQuantity, amount: String(units(s) - taken) };
    left -= taken;
  }
  line.orderLineStatuses.orderLineStatus = [
    ...line.orderLineStatuses.orderLineStatus.filter((s) => units(s) > 0),
    status,
  ];
  line.statusDate = now;
}

interface ShipStatus {
  status?: string;
  statusQuantity?: { unitOfMeasurement?: string; amount?: string };
  trackingInfo?: {
    shipDateTime?: number;
    carrierName?: { carrier?: string; otherCarrier?: string };
    methodCode?: string;
    trackingNumber?: string;
    trackingURL?: string;
  };
}

/**
 * `POST …/shipping` as Walmart takes it: every line and status checked before any is applied (a line it does not
 * have, a status other than Shipped, a quantity not a string of digits or beyond what the line has open, a
 * carrier it does not list without a tracking URL, a method other than the order's), then each status applied.
 */
export function applyShipment(
  order: WalmartOrder,
  body: unknown,
  now: number,
): Applied<{ shipped: Shipped[] }> {
  const refuse = (error: string, field: string) => ({ ok: false as const, error, field });
  const lines = (body as { orderShipment?: { orderLines?: { orderLine?: unknown } } })?.orderShipment
    ?.orderLines?.orderLine;
  if (!Array.isArray(lines) || !lines.length)
    return refuse('orderShipment.orderLines.orderLine is required', 'orderLine');
  const planned: { line: Line; quantity: number; status: ShipStatus }[] = [];
  for (const l of lines as {
    lineNumber?: string;
    orderLineStatuses?: { orderLineStatus?: ShipStatus[] };
  }[]) {
    const line = order.orderLines.orderLine.find((x) => x.lineNumber === l.lineNumber);
    if (!line) return refuse(`Invalid line number ${l.lineNumber}`, 'lineNumber');
    for (const s of l.orderLineStatuses?.orderLineStatus ?? []) {
      const t = s.trackingInfo;
      const quantity = Number(s.statusQuantity?.amount);
      if (s.status !== 'Shipped')
        return refuse(`status must be Shipped in line number ${l.lineNumber}`, 'status');
      if (
        typeof s.statusQuantity?.amount !== 'string' ||
        !/^\d+$/.test(s.statusQuantity.amount) ||
        quantity < 1
      )
        return refuse(
          `statusQuantity.amount must be a whole number as a string in line number ${l.lineNumber}`,
          'amount',
        );
      if (!['EACH', 'EA'].includes(s.statusQuantity.unitOfMeasurement ?? ''))
        return refuse('unitOfMeasurement must be EACH', 'unitOfMeasurement');
      if (!t || typeof t.shipDateTime !== 'number' || !t.trackingNumber)
        return refuse(`trackingInfo is incomplete in line number ${l.lineNumber}`, 'trackingInfo');
      const carrier = t.carrierName?.carrier;
      if (
        carrier
          ? !(WALMART_CARRIERS as readonly string[]).includes(carrier)
          : !(t.carrierName?.otherCarrier && t.trackingURL)
      )
        return refuse(`Carrier name is not supported in line number ${l.lineNumber}`, 'carrierName');
      if (
        !(METHOD_CODES as readonly string[]).includes(t.methodCode ?? '') ||
        t.methodCode !== order.shippingInfo.methodCode
      )
        return refuse(`Method code is not supported in line number ${l.lineNumber}`, 'methodCode');
      const already = planned.filter((p) => p.line === line).reduce((n, p) => n + p.quantity, 0);
      if (quantity + already > open(line))
        return refuse(`Quantity exceeds what line number ${l.lineNumber} has to ship`, 'statusQuantity');
      planned.push({ line, quantity, status: s });
    }
  }
  return {
    ok: true,
    shipped: planned.map(({ line, quantity, status }) => {
      const t = status.trackingInfo!;
      move(
        line,
        quantity,
        {
          status: 'Shipped',
          statusQuantity: { unitOfMeasurement: 'EACH', amount: String(quantity) },
          trackingInfo: t as LineStatus['trackingInfo'],
        },
        now,
      );
      return {
        lineNumber: line.lineNumber,
        quantity,
        trackingNumber: t.trackingNumber!,
        carrier: t.carrierName?.carrier ?? t.carrierName!.otherCarrier!,
        methodCode: t.methodCode!,
      };
    }),
  };
}

/**
 * Cancels units of each named line (its statusQuantity, else all its open units), with its reason; a line with
 * nothing open, or fewer open units than asked, is refused.
 */
export function applyCancellation(
  order: WalmartOrder,
  wanted: { lineNumber: string; reason: string; amount?: string | undefined }[],
  now: number,
): Applied<{ cancelled: { lineNumber: string; quantity: number; reason: string }[] }> {
  const cancelled: { lineNumber: string; quantity: number; reason: string }[] = [];
  for (const w of wanted) {
    const line = order.orderLines.orderLine.find((x) => x.lineNumber === w.lineNumber);
    if (!line || open(line) === 0 || (w.amount !== undefined && Number(w.amount) > open(line)))
      return {
        ok: false as const,
        error: `Line number ${w.lineNumber} cannot be cancelled`,
        field: 'lineNumber',
      };
  }
  for (const w of wanted) {
    const line = order.orderLines.orderLine.find((x) => x.lineNumber === w.lineNumber)!;
    const quantity = w.amount === undefined ? open(line) : Number(w.amount);
    move(
      line,
      quantity,
      {
        status: 'Cancelled',
        cancellationReason: w.reason,
        statusQuantity: { unitOfMeasurement: 'EACH', amount: String(quantity) },
      },
      now,
    );
    cancelled.push({ lineNumber: w.lineNumber, quantity, reason: w.reason });
  }
  return { ok: true as const, cancelled };
}
