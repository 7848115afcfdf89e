import { z } from 'zod';

/**
 * An order as Orders API v2026-01-01 gives it (searchOrders' `orders[]`, getOrder's `order`), with the datasets
 * the pull asks for: the fields the mapper reads. Money amounts are decimal strings; statuses are UPPER_SNAKE.
 * Unknown fields are ignored, so a field Amazon adds breaks nothing.
 */
const Text = z.string().nullish();
export const AmazonMoney = z.object({ amount: z.string(), currencyCode: z.string() });
export type AmazonMoney = z.infer<typeof AmazonMoney>;

const DateTimeRange = z.object({ earliestDateTime: Text, latestDateTime: Text });

/** One category of an item's proceeds; TAX and DISCOUNT split further by what they apply to. */
export const ItemBreakdown = z.object({
  type: z.string(),
  subtotal: AmazonMoney,
  detailedBreakdowns: z.array(z.object({ subtype: z.string(), value: AmazonMoney })).nullish(),
});
export type ItemBreakdown = z.infer<typeof ItemBreakdown>;

export const AmazonItem = z.object({
  orderItemId: z.string().min(1),
  quantityOrdered: z.number().int().nonnegative(),
  product: z.object({
    asin: Text,
    title: Text,
    sellerSku: Text,
    price: z.object({ unitPrice: AmazonMoney.nullish() }).nullish(),
  }),
  proceeds: z
    .object({ proceedsTotal: AmazonMoney.nullish(), breakdowns: z.array(ItemBreakdown).nullish() })
    .nullish(),
  promotion: z.object({ breakdowns: z.array(z.object({ promotionId: Text })).nullish() }).nullish(),
  cancellation: z
    .object({
      cancellationRequest: z.object({ requester: Text, cancelReason: Text }).nullish(),
      cancellationExecution: z.object({ cancelledBy: Text, cancelReason: Text }).nullish(),
    })
    .nullish(),
  fulfillment: z
    .object({
      quantityFulfilled: z.number().int().nullish(),
      quantityUnfulfilled: z.number().int().nullish(),
    })
    .nullish(),
  tax: z
    .object({
      taxCollections: z.array(z.object({ model: Text, responsibleParty: Text })).nullish(),
    })
    .nullish(),
});
export type AmazonItem = z.infer<typeof AmazonItem>;

const Address = z.object({
  name: Text,
  companyName: Text,
  addressLine1: Text,
  addressLine2: Text,
  addressLine3: Text,
  city: Text,
  districtOrCounty: Text,
  stateOrRegion: Text,
  postalCode: Text,
  countryCode: Text,
  phone: Text,
});

export const AmazonPackage = z.object({
  packageReferenceId: z.string().min(1),
  packageStatus: z.object({ status: z.string(), detailedStatus: Text }).nullish(),
  carrier: Text,
  shipTime: Text,
  shippingService: Text,
  trackingNumber: Text,
  packageItems: z.array(z.object({ orderItemId: z.string(), quantity: z.number().int() })).nullish(),
});
export type AmazonPackage = z.infer<typeof AmazonPackage>;

export const AmazonOrder = z.object({
  orderId: z.string().min(1),
  orderAliases: z.array(z.object({ aliasId: z.string(), aliasType: z.string() })).nullish(),
  createdTime: z.string(),
  lastUpdatedTime: z.string(),
  programs: z.array(z.string()).nullish(),
  associatedOrders: z.array(z.object({ orderId: Text, associationType: Text })).nullish(),
  salesChannel: z.object({ channelName: Text, marketplaceId: Text, marketplaceName: Text }),
  buyer: z
    .object({ buyerName: Text, buyerEmail: Text, buyerCompanyName: Text, buyerPurchaseOrderNumber: Text })
    .nullish(),
  recipient: z.object({ deliveryAddress: Address.nullish() }).nullish(),
  proceeds: z
    .object({
      grandTotal: AmazonMoney.nullish(),
      breakdowns: z.array(z.object({ type: z.string(), status: Text, subtotal: AmazonMoney })).nullish(),
    })
    .nullish(),
  fulfillment: z.object(
    {
      fulfillmentStatus: z.string(),
      fulfilledBy: Text,
      fulfillmentServiceLevel: Text,
      shipByWindow: DateTimeRange.nullish(),
      deliverByWindow: DateTimeRange.nullish(),
    },
    {
      error:
        'the order has no fulfillment (status, fulfilled by): it was read without includedData=FULFILLMENT',
    },
  ),
  orderItems: z.array(AmazonItem).min(1, 'an order needs at least one item'),
  packages: z.array(AmazonPackage).nullish(),
});
export type AmazonOrder = z.infer<typeof AmazonOrder>;

/**
 * The currency of each marketplace, for an order that states no amount yet (a PENDING order before payment):
 * every marketplace that https://developer-docs.amazon.com/sp-api/docs/marketplace-ids lists.
 */
export const MARKETPLACE_CURRENCY: Readonly<Record<string, string>> = {
  ATVPDKIKX0DER: 'USD',
  A2EUQ1WTGCTBG2: 'CAD',
  A1AM78C64UM0Y8: 'MXN',
  A2Q3Y263D00KWC: 'BRL',
  A28R8C7NBKEWEA: 'EUR',
  A1F83G8C2ARO7P: 'GBP',
  A1PA6795UKMFR9: 'EUR',
  A13V1IB3VIYZZH: 'EUR',
  APJ6JRA9NG5V4: 'EUR',
  A1RKKUPIHCS9HS: 'EUR',
  A1805IZSGTT6HS: 'EUR',
  AMEN7PMS3EDWL: 'EUR',
  A2NODRKZP88ZB9: 'SEK',
  AE08WJ6YKNBMC: 'ZAR',
  A1C3SOZRARQ6R3: 'PLN',
  A33AVAJ2PDY3EV: 'TRY',
  A2VIGQ35RCS4UG: 'AED',
  A17E79C6D8DWNP: 'SAR',
  ARBP9OOSHTCHU: 'EGP',
  A21TJRUUN4KGV: 'INR',
  A1VC38T7YXB528: 'JPY',
  A39IBJ37TRP1C6: 'AUD',
  A19VAU5U5O7RUS: 'SGD',
};
