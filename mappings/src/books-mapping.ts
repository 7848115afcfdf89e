import { z } from 'zod';

/**
 * How a channel's orders land in the merchant's books: which account, item, tax code, customer and class each
 * part of an order goes to. Written by the merchant's accountant, in the books' own references (QuickBooks
 * ids, Xero codes), as the channel connection's `accounting.mapping`. What each missing entry does is said
 * beside it: a part of an order with no place to go stops that order's posting with an exception that names
 * the entry to add, and the posting is replayed once it is added.
 */

/** A reference in the books: QuickBooks' id ("79"), Xero's account code ("200"), tax type ("OUTPUT2"). */
const Ref = z.string().min(1, 'must name an account, item, tax code or customer in the books');

/** A tax code, and the liability account its tax goes to in a journal (daily summary). */
const TaxCode = z.object({ code: Ref, account: Ref.optional() }).strict();

/** Where a line is reported (QuickBooks class / location, Xero tracking categories: category → option). */
export const BooksTrackingMapping = z
  .object({
    class: Ref.optional(),
    location: Ref.optional(),
    categories: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const BooksMapping = z
  .object({
    accounts: z
      .object({
        /** Sales income: every line whose SKU has no account of its own. Required. */
        income: Ref,
        /** Shipping charged to the customer. Required. */
        shippingIncome: Ref,
        /** Discounts given (a contra-income account). Required. */
        discounts: Ref,
        /** Refunds beyond the lines refunded (shipping, goodwill); default: `income`. */
        refunds: Ref.optional(),
        /** Other charges on the order (fees, tips, duties, rounding); default: `income`. */
        adjustments: Ref.optional(),
        /** Gateway fees kept from payouts (expense); fees are not posted without it. */
        fees: Ref.optional(),
      })
      .strict(),
    /**
     * Where the money of each payment gateway arrives before the payout reaches the bank: undeposited funds
     * or a clearing account per gateway ("shopify_payments", "stripe", "paypal"…). `default` takes any
     * gateway not listed. Required.
     */
    clearing: z.object({ default: Ref, byGateway: z.record(z.string(), Ref).default({}) }).strict(),
    items: z
      .object({
        /**
         * The books' product or service for SKUs without their own. QuickBooks needs an item on every sales line:
         * without it a SKU not in `bySku` stops the order's posting. Xero does without (the account is enough).
         */
        default: Ref.optional(),
        /** The item of shipping lines (QuickBooks: a service item, often "Shipping"). */
        shipping: Ref.optional(),
        /** Per SKU: its item and/or income account. */
        bySku: z
          .record(z.string(), z.object({ item: Ref.optional(), account: Ref.optional() }).strict())
          .default({}),
      })
      .strict()
      .default({ bySku: {} }),
    taxes: z
      .object({
        /** By the tax line's title as the channel names it ("CA State Tax"), checked first. */
        byTitle: z.record(z.string(), TaxCode).default({}),
        /** By the tax line's rate as a decimal string ("0.0725"). */
        byRate: z.record(z.string(), TaxCode).default({}),
        /** Any taxed line neither names; without it an unknown tax stops the posting. */
        default: TaxCode.optional(),
        /** The code of untaxed lines (QuickBooks "NON", Xero "NONE" / "EXEMPTOUTPUT"); none: no code sent. */
        exempt: Ref.optional(),
        /** The tax liability account of any code without its own (journals need one when tax is charged). */
        account: Ref.optional(),
      })
      .strict()
      .default({ byTitle: {}, byRate: {} }),
    /**
     * Who the documents are for: one customer for the whole channel (`single`, e.g. "Shopify customer", the
     * usual choice for B2C), or each buyer, found by name or created once (`per-buyer`, the usual for B2B).
     */
    customer: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('single'), ref: Ref }).strict(),
      z
        .object({ mode: z.literal('per-buyer'), fallbackName: z.string().min(1).default('Online customer') })
        .strict(),
    ]),
    /** Class, location and tracking categories on every line of the channel's documents. */
    tracking: BooksTrackingMapping.optional(),
  })
  .strict();
export type BooksMapping = z.output<typeof BooksMapping>;
export type BooksMappingInput = z.input<typeof BooksMapping>;

/** A part of an order the mapping has no place for: what is missing and where to add it. */
export class BooksMappingError extends Error {
  override name = 'BooksMappingError';
  constructor(
    readonly missing: string,
    readonly fix: string,
  ) {
    super(`${missing}: ${fix}`);
  }
}
