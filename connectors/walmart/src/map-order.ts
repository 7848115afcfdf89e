import {
  addressOf,
  bodyText,
  computeTotals,
  formatMoney,
  type Money,
  type NormalizeResult,
  type OrderDraftInput,
  type OrderStatus,
  parseMoney,
  type StoredPayload,
  zodMessage,
} from '@switchyard/core';
import { fulfillmentsOf, lineUnits, mapLine, taxLinesOf } from './map-lines.ts';
import { modifiedAt, type OrderLine, WalmartOrder } from './walmart-order.ts';

/** Walmart writes countries as ISO alpha-3 ("USA"); the hub keeps alpha-2. The places Walmart US ships to. */
const ALPHA2: Readonly<Record<string, string>> = {
  USA: 'US',
  PRI: 'PR',
  GUM: 'GU',
  VIR: 'VI',
  ASM: 'AS',
  MNP: 'MP',
  CAN: 'CA',
  MEX: 'MX',
};

function countryOf(country: string | null | undefined): string | undefined {
  if (!country?.trim()) return undefined;
  const code = country.trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(code)) return code;
  const two = ALPHA2[code];
  if (!two) {
    throw new Error(
      `Walmart's shipping country "${country}" is not one the hub maps (it knows ${Object.keys(ALPHA2).join(', ')})`,
    );
  }
  return two;
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();

/**
 * The order's status from its lines' units: every unit cancelled is a cancelled order; every unit not
 * cancelled shipped (or delivered) is a shipped (delivered) one, some a partly shipped one; otherwise it is
 * placed (Created and Acknowledged alike: the hub acknowledges in the workflow). Lines the buyer asked to cancel
 * hold the order for a person (cancel in Seller Center, or ship anyway); an order Walmart fulfils itself (WFS)
 * is never shipped by the hub, so it is imported as in fulfilment, which starts no workflow.
 */
function statusOf(o: WalmartOrder): OrderStatus {
  const units = o.orderLines.orderLine.map(lineUnits);
  const sum = (k: keyof (typeof units)[number]) => units.reduce((n, u) => n + u[k], 0);
  const ordered = sum('ordered');
  const cancelled = sum('cancelled');
  const shipped = sum('shipped') + sum('delivered') + sum('refunded');
  if (cancelled === ordered) return 'cancelled';
  if (shipped === ordered - cancelled) return sum('shipped') === 0 ? 'delivered' : 'shipped';
  if (shipped > 0) return 'partially_shipped';
  if (wfs(o)) return 'in_fulfillment';
  if (o.orderLines.orderLine.some((l) => l.intentToCancel === 'Y' && lineUnits(l).open > 0)) return 'on_hold';
  return 'placed';
}

const wfs = (o: WalmartOrder) => !Array.isArray(o.shipNode) && o.shipNode?.type === 'WFSFulfilled';
const isReplacement = (o: WalmartOrder) => o.orderType === 'REPLACEMENT' || !!o.originalCustomerOrderID;

/** Refunds Walmart recorded on lines (their charges are negative amounts). */
function refundsOf(o: WalmartOrder, currency: string): NonNullable<OrderDraftInput['refunds']> {
  return o.orderLines.orderLine.flatMap((l: OrderLine) => {
    const r = l.refund;
    if (!r?.refundCharges.refundCharge.length) return [];
    let amount = 0;
    for (const { charge } of r.refundCharges.refundCharge) {
      amount += parseMoney(charge.chargeAmount.amount, currency).amount;
      if (charge.tax) amount += parseMoney(charge.tax.taxAmount.amount, currency).amount;
    }
    const reasons = [...new Set(r.refundCharges.refundCharge.map((c) => c.refundReason))].join(', ');
    return [
      {
        id: r.refundId ? `walmart-refund-${r.refundId}` : `walmart-refund-line-${l.lineNumber}`,
        ...(r.refundId ? { externalId: r.refundId } : {}),
        amount: { amount: Math.abs(amount), currency },
        reason: r.refundComments ? `${reasons}: ${r.refundComments}` : reasons,
      },
    ];
  });
}

/** One Walmart purchase order as a canonical draft; its stated total, when it has one, must be what it adds up to. */
export function mapOrder(o: WalmartOrder): OrderDraftInput {
  const currency = o.orderLines.orderLine[0]!.charges.charge[0]?.chargeAmount.currency ?? 'USD';
  const mapped = o.orderLines.orderLine.map((l) => mapLine(l, currency));
  const shippingTaxes = new Map<string, Money>();
  for (const m of mapped) {
    for (const [name, tax] of m.shippingTaxes) {
      shippingTaxes.set(name, { amount: (shippingTaxes.get(name)?.amount ?? 0) + tax.amount, currency });
    }
  }
  const method = o.shippingInfo.methodCode || 'Standard';
  const a = o.shippingInfo.postalAddress;
  const shippingAddress = addressOf({
    name: a.name,
    line1: a.address1,
    line2: a.address2,
    city: a.city,
    region: a.state,
    postalCode: a.postalCode,
    country: countryOf(a.country),
    phone: o.shippingInfo.phone,
  });
  const replacement = isReplacement(o);
  const intentToCancel = o.orderLines.orderLine
    .filter((l) => l.intentToCancel === 'Y')
    .map((l) => l.lineNumber);
  const draft: Omit<OrderDraftInput, 'totals'> = {
    externalId: o.purchaseOrderId,
    externalNumber: o.customerOrderId,
    status: statusOf(o),
    currency,
    placedAt: iso(o.orderDate),
    updatedAt: iso(modifiedAt(o)),
    ...(o.shippingInfo.estimatedShipDate ? { shipBy: iso(o.shippingInfo.estimatedShipDate) } : {}),
    ...(o.customerEmailId || a.name
      ? {
          customer: {
            ...(o.buyerId ? { externalId: o.buyerId } : {}),
            ...(o.customerEmailId ? { email: o.customerEmailId } : {}),
            ...(a.name ? { name: a.name } : {}),
            ...(o.shippingInfo.phone ? { phone: o.shippingInfo.phone } : {}),
          },
        }
      : {}),
    ...(shippingAddress ? { shippingAddress } : {}),
    lines: mapped.map((m) => m.line),
    shippingLines: [
      {
        code: method,
        title: `Walmart ${method}`,
        price: { amount: mapped.reduce((n, m) => n + m.shipping.amount, 0), currency },
        taxLines: taxLinesOf(shippingTaxes, 'shipping'),
      },
    ],
    adjustments: mapped.flatMap((m) => m.adjustments),
    fulfillments: fulfillmentsOf(o.orderLines.orderLine),
    refunds: refundsOf(o, currency),
    tags: [
      ...(replacement ? ['walmart-replacement'] : []),
      ...(wfs(o) ? ['walmart-wfs'] : []),
      ...(intentToCancel.length ? ['walmart-intent-to-cancel'] : []),
    ],
    attributes: {
      'walmart.customerOrderId': o.customerOrderId,
      'walmart.methodCode': method,
      ...(o.orderType ? { 'walmart.orderType': o.orderType } : {}),
      ...(o.originalCustomerOrderID ? { 'walmart.originalCustomerOrderId': o.originalCustomerOrderID } : {}),
      ...(o.shippingInfo.estimatedDeliveryDate
        ? { 'walmart.estimatedDeliveryDate': iso(o.shippingInfo.estimatedDeliveryDate) }
        : {}),
      ...(!Array.isArray(o.shipNode) && o.shipNode?.type ? { 'walmart.shipNodeType': o.shipNode.type } : {}),
      ...(intentToCancel.length ? { 'walmart.intentToCancelLines': intentToCancel.join(',') } : {}),
    },
  };
  const totals = computeTotals(draft);
  const stated = o.orderSummary?.totalAmount;
  if (stated) {
    const total = parseMoney(stated.currencyAmount, stated.currencyUnit);
    if (stated.currencyUnit !== currency || total.amount !== totals.total.amount) {
      throw new Error(
        `Walmart's order total is ${formatMoney(total)} ${stated.currencyUnit} but the lines, shipping and taxes add up to ${formatMoney(totals.total)} ${currency}`,
      );
    }
  }
  return { ...draft, totals };
}

/** A pulled record (one purchase order, or `{ order }` as the single-order call answers) as a canonical draft. */
export function normalize(payload: StoredPayload): NormalizeResult {
  let json: unknown;
  try {
    json = JSON.parse(bodyText(payload.body));
  } catch (error) {
    throw new Error(`body is not valid JSON (${(error as Error).message})`);
  }
  const body =
    json && typeof json === 'object' && 'order' in json ? (json as { order: unknown }).order : json;
  const parsed = WalmartOrder.safeParse(body);
  if (!parsed.success) throw new Error(`body is not a Walmart purchase order: ${zodMessage(parsed.error)}`);
  return { orders: [mapOrder(parsed.data)] };
}
