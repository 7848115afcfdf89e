import {
  type Adjustment,
  type Discount,
  formatMoney,
  type Money,
  type OrderDraftInput,
  parseMoney,
  splitLineTotal,
  type TaxLine,
} from '@switchyard/core';
import type { Charge, LineStatus, OrderLine } from './walmart-order.ts';

type LineInput = OrderDraftInput['lines'][number];
type FulfillmentInput = NonNullable<OrderDraftInput['fulfillments']>[number];

/** One line's units by what Walmart says of them. */
export interface LineUnits {
  ordered: number;
  /** Created or Acknowledged: still to ship. */
  open: number;
  shipped: number;
  delivered: number;
  cancelled: number;
  refunded: number;
}

const count = (amount: string) => Number.parseInt(amount, 10);

/** The units of a line by status; a line whose statuses count more units than were ordered is refused. */
export function lineUnits(line: OrderLine): LineUnits {
  const ordered = count(line.orderLineQuantity.amount);
  const units: LineUnits = { ordered, open: 0, shipped: 0, delivered: 0, cancelled: 0, refunded: 0 };
  for (const s of line.orderLineStatuses.orderLineStatus) {
    const n = count(s.statusQuantity.amount);
    if (s.status === 'Created' || s.status === 'Acknowledged') units.open += n;
    else if (s.status === 'Shipped') units.shipped += n;
    else if (s.status === 'Delivered') units.delivered += n;
    else if (s.status === 'Cancelled') units.cancelled += n;
    else units.refunded += n;
  }
  const counted = units.open + units.shipped + units.delivered + units.cancelled + units.refunded;
  if (counted > ordered) {
    throw new Error(
      `Walmart's line ${line.lineNumber} has statuses for ${counted} units but ${ordered} were ordered`,
    );
  }
  // Units no status names yet are still to ship.
  units.open += ordered - counted;
  return units;
}

/** Taxes by name, summed in minor units: a charge's tax and its discount's (negative) tax net out. */
function addTax(taxes: Map<string, Money>, charge: Charge, currency: string) {
  if (!charge.tax) return;
  const name = charge.tax.taxName || 'Tax';
  const amount = parseMoney(charge.tax.taxAmount.amount, currency);
  const before = taxes.get(name)?.amount ?? 0;
  taxes.set(name, { amount: before + amount.amount, currency });
}

export function taxLinesOf(taxes: Map<string, Money>, what: string): TaxLine[] {
  return [...taxes]
    .filter(([, m]) => m.amount !== 0)
    .map(([title, amount]) => {
      if (amount.amount < 0) {
        throw new Error(`Walmart's ${title} on ${what} nets to ${formatMoney(amount)}, below zero`);
      }
      return { title, amount };
    });
}

/** The grams of one unit from Walmart's `item.weight` (productInfo=true), when its unit is one the hub knows. */
function gramsOf(weight: OrderLine['item']['weight']): number | undefined {
  if (!weight || !/^\d+(\.\d+)?$/.test(weight.value.trim())) return undefined;
  const per: Record<string, number> = { pounds: 453.59237, pound: 453.59237, lb: 453.59237, lbs: 453.59237 };
  Object.assign(per, { ounces: 28.349523125, ounce: 28.349523125, oz: 28.349523125 });
  Object.assign(per, { kilograms: 1000, kilogram: 1000, kg: 1000, grams: 1, gram: 1, g: 1 });
  const factor = per[weight.unit.trim().toLowerCase()];
  const grams = factor ? Math.round(Number(weight.value) * factor) : 0;
  return grams > 0 ? grams : undefined;
}

/** What one Walmart line adds to the canonical order. */
export interface MappedLine {
  line: LineInput;
  /** The line's SHIPPING charges, and their taxes by name. */
  shipping: Money;
  shippingTaxes: Map<string, Money>;
  adjustments: Adjustment[];
}

/**
 * One line: its PRODUCT `ItemPrice` is the amount for the line's quantity (Walmart splits multi-unit purchases
 * into lines of one unit as a rule; for a line of several the unit price is the amount divided, the cent that
 * does not divide carried as rounding), negative PRODUCT charges (a subscription discount) are its discounts,
 * its taxes are summed by name; SHIPPING charges go to the order's shipping; any other charge is a fee.
 */
export function mapLine(l: OrderLine, currency: string): MappedLine {
  const units = lineUnits(l);
  const money = (amount: number) => parseMoney(amount, currency);
  const taxes = new Map<string, Money>();
  const shippingTaxes = new Map<string, Money>();
  const discounts: Discount[] = [];
  const adjustments: Adjustment[] = [];
  let price = 0;
  let shipping = 0;
  for (const charge of l.charges.charge) {
    if (charge.chargeAmount.currency !== currency) {
      throw new Error(
        `Walmart's line ${l.lineNumber} has a charge in ${charge.chargeAmount.currency}, the order is in ${currency}`,
      );
    }
    const amount = money(charge.chargeAmount.amount);
    if (charge.chargeType === 'SHIPPING') {
      shipping += amount.amount;
      addTax(shippingTaxes, charge, currency);
    } else if (charge.chargeType === 'PRODUCT' && amount.amount < 0) {
      discounts.push({
        title: charge.chargeName ?? 'Discount',
        amount: { amount: -amount.amount, currency },
      });
      addTax(taxes, charge, currency);
    } else if (charge.chargeType === 'PRODUCT') {
      price += amount.amount;
      addTax(taxes, charge, currency);
    } else {
      const tax = charge.tax
        ? [{ title: charge.tax.taxName || 'Tax', amount: money(charge.tax.taxAmount.amount) }]
        : [];
      adjustments.push({ kind: 'fee', title: charge.chargeName ?? charge.chargeType, amount, taxLines: tax });
    }
  }
  const { unit, remainder } = splitLineTotal({ amount: price, currency }, units.ordered);
  if (remainder.amount) {
    adjustments.push({
      kind: 'rounding',
      title: `Rounding of line ${l.lineNumber}`,
      amount: remainder,
      taxLines: [],
    });
  }
  const grams = gramsOf(l.item.weight);
  const done = units.shipped + units.delivered + units.refunded;
  return {
    line: {
      id: l.lineNumber,
      externalId: l.lineNumber,
      sku: l.item.sku,
      title: l.item.productName,
      quantity: {
        ordered: units.ordered,
        fulfilled: done,
        shipped: done,
        cancelled: units.cancelled,
        returned: units.refunded,
      },
      unitOfMeasure: 'EA',
      unitPrice: unit,
      discounts,
      taxLines: taxLinesOf(taxes, `line ${l.lineNumber}`),
      ...(grams ? { weightGrams: grams } : {}),
    },
    shipping: { amount: shipping, currency },
    shippingTaxes,
    adjustments,
  };
}

const shippedStatus = (s: LineStatus) =>
  s.status === 'Shipped' || s.status === 'Delivered' || s.status === 'Refund';

/** The parcels Walmart knows of: the shipped units of every line, grouped by tracking number. */
export function fulfillmentsOf(lines: OrderLine[]): FulfillmentInput[] {
  const byTracking = new Map<string, FulfillmentInput & { allDelivered: boolean }>();
  for (const l of lines) {
    for (const s of l.orderLineStatuses.orderLineStatus.filter(shippedStatus)) {
      const quantity = count(s.statusQuantity.amount);
      if (!quantity) continue;
      const t = s.trackingInfo;
      const number = t?.trackingNumber ?? '';
      const key = number || 'untracked';
      let f = byTracking.get(key);
      if (!f) {
        const carrier = t?.carrierName?.carrier ?? t?.carrierName?.otherCarrier;
        f = {
          id: `walmart-${key}`,
          ...(number ? { externalId: number } : {}),
          status: 'in_transit',
          lines: [],
          ...(carrier ? { carrier } : {}),
          ...(t?.methodCode ? { service: t.methodCode } : {}),
          trackingNumbers: number ? [number] : [],
          trackingUrls: t?.trackingURL ? [t.trackingURL] : [],
          ...(t?.shipDateTime ? { shippedAt: new Date(t.shipDateTime).toISOString() } : {}),
          allDelivered: true,
        };
        byTracking.set(key, f);
      }
      f.allDelivered &&= s.status === 'Delivered';
      const existing = f.lines.find((x) => x.lineId === l.lineNumber);
      if (existing) existing.quantity += quantity;
      else f.lines.push({ lineId: l.lineNumber, quantity });
    }
  }
  return [...byTracking.values()].map(({ allDelivered, ...f }) => ({
    ...f,
    status: allDelivered ? 'delivered' : 'in_transit',
  }));
}
