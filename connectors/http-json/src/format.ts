import { Address, B2B, isWellFormed, OrderedQuantity, PaymentTerms } from '@switchyard/core';
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
  status: z
    .enum([
      'placed',
      'accepted',
      'in_fulfillment',
      'partially_shipped',
      'shipped',
      'delivered',
      'cancelled',
      'on_hold',
      'closed',
    ])
    .optional(),
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
