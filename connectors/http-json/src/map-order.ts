import {
  Address,
  addressOf,
  B2B,
  computeTotals,
  type Discount,
  isWellFormed,
  type NormalizeResult,
  type OrderDraftInput,
  OrderedQuantity,
  OrderStatus,
  PaymentTerms,
  parseMoney,
  type StoredPayload,
  type TaxLine,
  zodMessage,
} from '@switchyard/core';
import { z } from 'zod';

/**
 * The wire format a storefront or ERP POSTs: one order, or `{ "orders": [...] }`.
 * Amounts are decimal strings in major units ("19.99"; JSON numbers are accepted
 * but strings are exact); ids are strings (safe integers are accepted).
 */
/**
 * Why a value cannot be an order id, or undefined when it names exactly one order: a string of 1 to 255
 * characters of valid Unicode, or an exact integer. The dedupe key uses the same test, so a value that could stand
 * for two ids (1e309 and a 309-digit number both parse to Infinity; -0 prints as 0) keys nothing.
 */
export function idProblem(id: unknown): string | undefined {
  if (typeof id === 'string') {
    if (!id || id.length > 255) return 'must be 1 to 255 characters';
    return isWellFormed(id) ? undefined : 'must be valid Unicode text: it holds a lone UTF-16 surrogate';
  }
  if (typeof id !== 'number') return 'must be a string';
  if (!Number.isSafeInteger(id)) return 'must be a string: this number is not exact (ids may exceed 2^53)';
  return Object.is(id, -0) ? 'must not be -0, which would be the same id as 0' : undefined;
}

const Id = z
  .custom<string | number>((id) => typeof id === 'string' || typeof id === 'number', 'must be a string')
  .superRefine((id, ctx) => {
    const problem = idProblem(id);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(String);
const Amount = z.union([z.string(), z.number()]);
const Timestamp = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 timestamp with offset, e.g. 2026-11-20T10:00:00Z',
});
const Day = z.iso.date({ message: 'must be a date like 2026-11-20' });

/** The canonical address, but any country case ("de" is accepted and upper-cased). */
const AddressIn = Address.extend({ country: z.string().length(2).optional() });

const TaxIn = z.object({ title: z.string().default('Tax'), rate: z.string().optional(), amount: Amount });
const DiscountIn = z.object({ code: z.string().optional(), title: z.string().optional(), amount: Amount });

const LineIn = z.object({
  id: Id.optional(),
  sku: z.string().optional(),
  title: z.string().min(1),
  quantity: OrderedQuantity,
  unitOfMeasure: z.string().optional(),
  unitPrice: Amount,
  discounts: z.array(DiscountIn).default([]),
  taxes: z.array(TaxIn).default([]),
  buyerPartNumber: z.string().optional(),
  vendorPartNumber: z.string().optional(),
  upc: z.string().optional(),
});

const ShippingIn = z.object({
  code: z.string().min(1),
  title: z.string().optional(),
  carrier: z.string().optional(),
  price: Amount,
  discounts: z.array(DiscountIn).default([]),
  taxes: z.array(TaxIn).default([]),
});

const TotalsIn = z.object({
  items: Amount.optional(),
  discount: Amount.optional(),
  shipping: Amount.optional(),
  tax: Amount.optional(),
  total: Amount.optional(),
});

const PaymentIn = z.object({
  id: Id.optional(),
  status: z.enum(['pending', 'authorized', 'captured', 'refunded', 'voided', 'failed']),
  gateway: z.string().min(1),
  reference: z.string().optional(),
  amount: Amount,
});

/** The canonical B2B fields, with the PO number, dates and terms under the wire format's names. */
const PurchaseOrderIn = B2B.pick({
  buyerId: true,
  shipToLocationCode: true,
  billToLocationCode: true,
  departmentNumber: true,
  vendorNumber: true,
}).extend({
  number: z.string().min(1),
  date: Day.optional(),
  requestedShipDate: Day.optional(),
  requestedDeliveryDate: Day.optional(),
  cancelAfter: Day.optional(),
  terms: PaymentTerms.optional(),
});

export const OrderIn = z.object({
  id: Id,
  number: z.string().optional(),
  status: OrderStatus.optional(),
  currency: z.string().length(3),
  placedAt: Timestamp,
  updatedAt: Timestamp.optional(),
  customer: z
    .object({
      id: Id.optional(),
      email: z.string().optional(),
      phone: z.string().optional(),
      name: z.string().optional(),
      company: z.string().optional(),
    })
    .optional(),
  billingAddress: AddressIn.optional(),
  shippingAddress: AddressIn.optional(),
  lines: z.array(LineIn).min(1),
  shipping: z.array(ShippingIn).default([]),
  discounts: z.array(DiscountIn).default([]),
  taxesIncluded: z.boolean().default(false),
  totals: TotalsIn.optional(),
  payments: z.array(PaymentIn).default([]),
  purchaseOrder: PurchaseOrderIn.optional(),
  note: z.string().optional(),
  tags: z.array(z.string()).default([]),
  attributes: z.record(z.string(), z.string()).default({}),
});
export type OrderIn = z.infer<typeof OrderIn>;

export const Batch = z.object({ orders: z.array(OrderIn).min(1).max(1000) }).strict();

/**
 * The intake calls dedupeKey and normalize on the same request; both need the JSON,
 * so it is parsed once per body.
 */
const parsedBodies = new WeakMap<Uint8Array, unknown>();
/** JSON is UTF-8 (RFC 8259): bytes that are not are refused, never replaced (two ids would become one). */
const utf8 = new TextDecoder('utf-8', { fatal: true });
export function parseBody(body: Uint8Array): unknown {
  if (parsedBodies.has(body)) return parsedBodies.get(body);
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new SyntaxError('the body is not valid UTF-8');
  }
  const json: unknown = JSON.parse(text);
  parsedBodies.set(body, json);
  return json;
}

function mapOrder(o: OrderIn): OrderDraftInput {
  const currency = o.currency.toUpperCase();
  const m = (value: string | number) => parseMoney(value, currency);
  const taxes = (list: { title: string; rate?: string | undefined; amount: string | number }[]): TaxLine[] =>
    list.map((t) => ({ title: t.title, ...(t.rate ? { rate: t.rate } : {}), amount: m(t.amount) }));
  const discounts = (
    list: { code?: string | undefined; title?: string | undefined; amount: string | number }[],
  ): Discount[] =>
    list.map((d) => ({
      ...(d.code ? { code: d.code } : {}),
      ...(d.title ? { title: d.title } : {}),
      amount: m(d.amount),
    }));
  const draft: OrderDraftInput = {
    externalId: o.id,
    ...(o.number ? { externalNumber: o.number } : {}),
    kind: o.purchaseOrder ? 'b2b' : 'b2c',
    status: o.status ?? 'placed',
    currency,
    placedAt: o.placedAt,
    updatedAt: o.updatedAt ?? o.placedAt,
    ...(o.customer
      ? {
          customer: {
            ...(o.customer.id ? { externalId: o.customer.id } : {}),
            email: o.customer.email,
            phone: o.customer.phone,
            name: o.customer.name,
            company: o.customer.company,
          },
        }
      : {}),
    billingAddress: o.billingAddress && addressOf(o.billingAddress),
    shippingAddress: o.shippingAddress && addressOf(o.shippingAddress),
    lines: o.lines.map((l, i) => ({
      id: l.id ?? String(i + 1),
      ...(l.id ? { externalId: l.id } : {}),
      sku: l.sku,
      title: l.title,
      quantity: { ordered: l.quantity },
      unitOfMeasure: l.unitOfMeasure ?? 'EA',
      unitPrice: m(l.unitPrice),
      discounts: discounts(l.discounts),
      taxLines: taxes(l.taxes),
      buyerPartNumber: l.buyerPartNumber,
      vendorPartNumber: l.vendorPartNumber,
      upc: l.upc,
    })),
    shippingLines: o.shipping.map((s) => ({
      code: s.code,
      title: s.title,
      carrier: s.carrier,
      price: m(s.price),
      discounts: discounts(s.discounts),
      taxLines: taxes(s.taxes),
    })),
    discounts: discounts(o.discounts),
    taxesIncluded: o.taxesIncluded,
    payments: o.payments.map((p, i) => ({
      id: p.id ?? `payment-${i + 1}`,
      status: p.status,
      gateway: p.gateway,
      reference: p.reference,
      ...(p.status === 'authorized' ? { authorized: m(p.amount) } : {}),
      ...(p.status === 'captured' ? { captured: m(p.amount) } : {}),
      ...(p.status === 'refunded' ? { captured: m(p.amount), refunded: m(p.amount) } : {}),
    })),
    ...(o.purchaseOrder
      ? {
          b2b: {
            poNumber: o.purchaseOrder.number,
            poDate: o.purchaseOrder.date,
            requestedShipDate: o.purchaseOrder.requestedShipDate,
            requestedDeliveryDate: o.purchaseOrder.requestedDeliveryDate,
            cancelAfter: o.purchaseOrder.cancelAfter,
            paymentTerms: o.purchaseOrder.terms,
            buyerId: o.purchaseOrder.buyerId,
            shipToLocationCode: o.purchaseOrder.shipToLocationCode,
            billToLocationCode: o.purchaseOrder.billToLocationCode,
            departmentNumber: o.purchaseOrder.departmentNumber,
            vendorNumber: o.purchaseOrder.vendorNumber,
          },
        }
      : {}),
    note: o.note,
    tags: o.tags,
    attributes: o.attributes,
    totals: { items: m(0), discount: m(0), shipping: m(0), tax: m(0), total: m(0) },
  };
  const { totals: _placeholder, ...withoutTotals } = draft;
  const computed = computeTotals(withoutTotals);
  // Totals the sender states are kept as stated, so the hub's check catches a sender whose lines do not add up.
  draft.totals = {
    items: o.totals?.items !== undefined ? m(o.totals.items) : computed.items,
    discount: o.totals?.discount !== undefined ? m(o.totals.discount) : computed.discount,
    shipping: o.totals?.shipping !== undefined ? m(o.totals.shipping) : computed.shipping,
    tax: o.totals?.tax !== undefined ? m(o.totals.tax) : computed.tax,
    total: o.totals?.total !== undefined ? m(o.totals.total) : computed.total,
  };
  return draft;
}

/** One order or a batch, as canonical drafts; a body that is not the format throws with the reason. */
export function normalize(payload: StoredPayload): NormalizeResult {
  let json: unknown;
  try {
    json = parseBody(payload.body);
  } catch (error) {
    throw new Error(
      `body is not valid JSON (${(error as Error).message}); send one order object or {"orders": [...]}`,
    );
  }
  const isBatch = typeof json === 'object' && json !== null && !Array.isArray(json) && 'orders' in json;
  const parsed = isBatch ? Batch.safeParse(json) : OrderIn.safeParse(json);
  if (!parsed.success) throw new Error(`body is not an http-json order: ${zodMessage(parsed.error)}`);
  const orders = 'orders' in parsed.data ? parsed.data.orders : [parsed.data];
  return { orders: orders.map(mapOrder) };
}
