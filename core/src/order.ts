import { z } from 'zod';
import { CurrencyCode, Money } from './money.ts';
import { OrderStatus } from './order-status.ts';

export * from './order-status.ts';
export * from './totals.ts';

/** A UTF-16 surrogate without its pair: not a character, and PostgreSQL would store it as U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string is valid Unicode text (String.prototype.isWellFormed, which ES2023 typings lack). */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * External ids are always strings (Shopify ids exceed 2^53), and valid Unicode: two ids differing only in a lone
 * surrogate would be stored as one.
 */
const ExternalId = z
  .string()
  .min(1)
  .max(255)
  .refine(isWellFormed, 'must be valid Unicode text: it holds a lone UTF-16 surrogate');
const IsoDateTime = z.iso.datetime({ offset: true });
const IsoDate = z.iso.date();
const DecimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "0.0825"');

export const Address = z.object({
  name: z.string().optional(),
  company: z.string().optional(),
  line1: z.string().optional(),
  line2: z.string().optional(),
  city: z.string().optional(),
  region: z.string().optional(),
  postalCode: z.string().optional(),
  /** ISO 3166-1 alpha-2. */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US or DE')
    .optional(),
  phone: z.string().optional(),
  email: z.string().optional(),
  /** A partner's location code (X12 N104, a store or DC number). */
  locationCode: z.string().optional(),
});
export type Address = z.infer<typeof Address>;

export const Customer = z.object({
  externalId: ExternalId.optional(),
  email: z.string().optional(),
  phone: z.string().optional(),
  name: z.string().optional(),
  company: z.string().optional(),
});

/**
 * What an order may carry, in one place. The canonical schema below enforces it, and each edge checks the
 * sender's raw values against it before anything is accepted (an http-json line is refused with 400, an X12
 * PO1 is rejected in the 997), so a sender hears of a bad value at once instead of finding an exception later.
 */
export const ORDER_RULES = {
  quantity: 'a whole number of at least 1',
  price: 'zero or more',
} as const;

/** Why an ordered quantity breaks the rule, or undefined when it keeps it. */
export function quantityProblem(quantity: number): string | undefined {
  if (!Number.isSafeInteger(quantity) || quantity < 1) return `must be ${ORDER_RULES.quantity}`;
  return undefined;
}

/** Why a price, charge, discount, tax or payment amount (minor units) breaks the rule, or undefined. */
export function priceProblem(amount: number): string | undefined {
  return amount < 0 ? `must be ${ORDER_RULES.price}, not negative` : undefined;
}

/** An amount that cannot be negative: prices, shipping, discounts, taxes, payments, totals. */
const Price = Money.superRefine((m, ctx) => {
  const problem = priceProblem(m.amount);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['amount'] });
});
/** An ordered quantity, as the rule above has it: the canonical line's, and an edge's that reads a number. */
export const OrderedQuantity = z.number().superRefine((n, ctx) => {
  const problem = quantityProblem(n);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const TaxLine = z.object({
  title: z.string(),
  rate: DecimalString.optional(),
  amount: Price,
});
export type TaxLine = z.infer<typeof TaxLine>;

export const Discount = z.object({
  code: z.string().optional(),
  title: z.string().optional(),
  amount: Price,
});
export type Discount = z.infer<typeof Discount>;

const Count = z.number().int().nonnegative();

export const LineQuantities = z.object({
  ordered: OrderedQuantity,
  fulfilled: Count.default(0),
  shipped: Count.default(0),
  cancelled: Count.default(0),
  returned: Count.default(0),
});

export const OrderLine = z.object({
  /** Stable within the order: the external line id when the source has one. */
  id: z.string().min(1),
  externalId: ExternalId.optional(),
  sku: z.string().optional(),
  title: z.string(),
  quantity: LineQuantities,
  /** X12 unit of measure code; EA (each) unless the source says otherwise. */
  unitOfMeasure: z.string().default('EA'),
  unitPrice: Price,
  /** Every discount allocated to this line, order-level allocations included. */
  discounts: z.array(Discount).default([]),
  taxLines: z.array(TaxLine).default([]),
  buyerPartNumber: z.string().optional(),
  vendorPartNumber: z.string().optional(),
  upc: z.string().optional(),
  giftCard: z.boolean().default(false),
  /** Weight of one unit, when the source says: the parcel's weight is built from it. */
  weightGrams: z.number().int().positive().optional(),
});
export type OrderLine = z.infer<typeof OrderLine>;

export const ShippingLine = z.object({
  code: z.string(),
  title: z.string().optional(),
  carrier: z.string().optional(),
  price: Price,
  discounts: z.array(Discount).default([]),
  taxLines: z.array(TaxLine).default([]),
});
export type ShippingLine = z.infer<typeof ShippingLine>;

/** Charges on the order that are neither goods nor shipping: fees, tips, duties, cash rounding. */
export const Adjustment = z.object({
  kind: z.enum(['fee', 'tip', 'duty', 'rounding', 'other']),
  title: z.string(),
  /** May be negative: cash rounding down, a credit, a negative fee; so may its tax. */
  amount: Money,
  taxLines: z.array(TaxLine.extend({ amount: Money })).default([]),
});
export type Adjustment = z.infer<typeof Adjustment>;

export const Payment = z.object({
  id: z.string().min(1),
  status: z.enum(['pending', 'authorized', 'captured', 'partially_refunded', 'refunded', 'voided', 'failed']),
  gateway: z.string(),
  /** The gateway's reference (a Stripe PaymentIntent id, a channel transaction id). */
  reference: z.string().optional(),
  authorized: Price.optional(),
  captured: Price.optional(),
  refunded: Price.optional(),
  at: IsoDateTime.optional(),
});

export const Fulfillment = z.object({
  id: z.string().min(1),
  externalId: ExternalId.optional(),
  status: z.enum(['pending', 'in_transit', 'delivered', 'exception', 'cancelled']),
  lines: z.array(z.object({ lineId: z.string(), quantity: z.number().int().positive() })),
  carrier: z.string().optional(),
  service: z.string().optional(),
  trackingNumbers: z.array(z.string()).default([]),
  trackingUrls: z.array(z.string()).default([]),
  shippedAt: IsoDateTime.optional(),
  deliveredAt: IsoDateTime.optional(),
});

export const Refund = z.object({
  id: z.string().min(1),
  externalId: ExternalId.optional(),
  amount: Price,
  reason: z.string().optional(),
  lines: z.array(z.object({ lineId: z.string(), quantity: z.number().int().positive() })).default([]),
  at: IsoDateTime.optional(),
});

export const PaymentTerms = z.object({
  /** X12 ITD01 or the channel's own code. */
  code: z.string().optional(),
  netDays: z.number().int().nonnegative().optional(),
  discountPercent: DecimalString.optional(),
  discountDays: z.number().int().nonnegative().optional(),
  description: z.string().optional(),
});

export const B2B = z.object({
  poNumber: z.string().min(1),
  poDate: IsoDate.optional(),
  requestedShipDate: IsoDate.optional(),
  requestedDeliveryDate: IsoDate.optional(),
  cancelAfter: IsoDate.optional(),
  paymentTerms: PaymentTerms.optional(),
  /** The trading partner's id in the hub, and its X12 identities. */
  partnerId: z.string().optional(),
  buyerId: z.string().optional(),
  sellerId: z.string().optional(),
  shipToLocationCode: z.string().optional(),
  billToLocationCode: z.string().optional(),
  departmentNumber: z.string().optional(),
  vendorNumber: z.string().optional(),
});

export const Totals = z.object({
  /** Sum of unit price times ordered quantity over all lines. */
  items: Price,
  /** Line discounts, shipping discounts and unallocated order discounts. */
  discount: Price,
  /** Sum of shipping line prices before their discounts. */
  shipping: Price,
  /** Sum of every tax line (lines, shipping, adjustments). */
  tax: Price,
  /** Sum of adjustments (fees, tips, duties, rounding); absent when there are none. */
  adjustments: Money.optional(),
  /** items - discount + shipping + adjustments (+ tax unless prices include tax). */
  total: Price,
});
export type Totals = z.infer<typeof Totals>;

/** What a connector produces: the order as the source sees it. The hub adds identity and version. */
export const OrderDraft = z.object({
  externalId: ExternalId,
  externalNumber: z.string().optional(),
  kind: z.enum(['b2c', 'b2b']).default('b2c'),
  status: OrderStatus.default('placed'),
  currency: CurrencyCode,
  /** The currency the buyer saw, when it differs from the shop's (Shopify presentment money). */
  presentmentCurrency: CurrencyCode.optional(),
  placedAt: IsoDateTime,
  /** The source's own modification time; an older delivery never overwrites a newer one. */
  updatedAt: IsoDateTime,
  /**
   * When the marketplace expects the shipment confirmed at the latest (Amazon's latestShipDate, eBay's
   * shipByDate, Walmart's estimatedShipDate): past it the seller is penalized; connection health shows the
   * nearest one at risk.
   */
  shipBy: IsoDateTime.optional(),
  customer: Customer.optional(),
  billingAddress: Address.optional(),
  shippingAddress: Address.optional(),
  lines: z.array(OrderLine).min(1, 'an order needs at least one line'),
  shippingLines: z.array(ShippingLine).default([]),
  /** Order-level discounts NOT allocated to lines or shipping. */
  discounts: z.array(Discount).default([]),
  adjustments: z.array(Adjustment).default([]),
  taxesIncluded: z.boolean().default(false),
  totals: Totals,
  payments: z.array(Payment).default([]),
  fulfillments: z.array(Fulfillment).default([]),
  refunds: z.array(Refund).default([]),
  b2b: B2B.optional(),
  note: z.string().optional(),
  tags: z.array(z.string()).default([]),
  attributes: z.record(z.string(), z.string()).default({}),
  /**
   * The source gave this state in summary (a bulk export: per-line quantities from counters, not from the
   * fulfillment and refund documents). A summary never replaces a state of the same `updatedAt`; a full one
   * replaces a summary.
   */
  summary: z.literal(true).optional(),
  /**
   * The source removes the buyer's details after a while (eBay: the email after 14 days, name, phone and street
   * after 90; Amazon once the order is shipped): a customer or address field this state lacks is kept from the
   * state the hub stored before, never erased by the later, redacted read.
   */
  buyerRedacted: z.literal(true).optional(),
});
export type OrderDraft = z.infer<typeof OrderDraft>;
export type OrderDraftInput = z.input<typeof OrderDraft>;

export const Order = OrderDraft.extend({
  id: z.string().min(1),
  tenantId: z.string().min(1),
  source: z.object({
    connectionId: z.string().min(1),
    connector: z.string().min(1),
  }),
  version: z.number().int().positive(),
});
export type Order = z.infer<typeof Order>;
