/**
 * eBay orders in the Fulfillment API's shape (sell_fulfillment_v1 Order), built for the fake: amounts as
 * `{ value, currency }` strings, every summary consistent with its lines (eBay's own arithmetic: the line total
 * is its cost, less its promotions, plus its delivery cost and taxes; the Collect and Remit tax appears both in
 * `taxes` and `ebayCollectAndRemitTaxes`).
 */
export type EbayOrderJson = Record<string, unknown> & {
  orderId: string;
  lastModifiedDate: string;
  creationDate: string;
  orderFulfillmentStatus: string;
  lineItems: Record<string, unknown>[];
};

export interface FakeLine {
  lineItemId: string;
  sku: string;
  title?: string;
  quantity: number;
  /** Unit price in minor units. */
  price: number;
  /** Shipping for the line's units, minor units. */
  shipping?: number;
  /** Tax on the line, minor units (eBay collects and remits it when the order says so). */
  tax?: number;
  legacyItemId?: string;
}

export interface FakeOrderInput {
  orderId: string;
  lastModifiedDate: string;
  creationDate?: string;
  currency?: string;
  lines: FakeLine[];
  collectAndRemit?: boolean;
  buyer?: { username: string; fullName: string; email?: string; phone?: string };
  shipTo?: { line1: string; city: string; state: string; postalCode: string; country: string };
}

export const fmt = (minor: number) => {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
};
export const minor = (value: string) => Math.round(Number(value) * 100);

/** An eBay order, paid and not yet shipped, with its summaries computed from its lines. */
export function ebayOrder(input: FakeOrderInput): EbayOrderJson {
  const currency = input.currency ?? 'USD';
  const amount = (n: number) => ({ value: fmt(n), currency });
  const created = input.creationDate ?? input.lastModifiedDate;
  const buyer = input.buyer ?? {
    username: 'river.otter_42',
    fullName: 'Ada Lovelace',
    email: 'a1b2c3d4e5@members.ebay.com',
    phone: '2065550188',
  };
  const shipTo = input.shipTo ?? {
    line1: '1200 N 45th St',
    city: 'Seattle',
    state: 'WA',
    postalCode: '98103',
    country: 'US',
  };
  const contactAddress = {
    addressLine1: shipTo.line1,
    city: shipTo.city,
    stateOrProvince: shipTo.state,
    postalCode: shipTo.postalCode,
    countryCode: shipTo.country,
  };
  const shipBy = new Date(Date.parse(created) + 2 * 86_400_000).toISOString();
  let subtotal = 0;
  let delivery = 0;
  let tax = 0;
  const lineItems = input.lines.map((l) => {
    const cost = l.price * l.quantity;
    const shipping = l.shipping ?? 0;
    const lineTax = l.tax ?? 0;
    subtotal += cost;
    delivery += shipping;
    tax += lineTax;
    return {
      lineItemId: l.lineItemId,
      legacyItemId: l.legacyItemId ?? `2${l.lineItemId.slice(-11)}`,
      sku: l.sku,
      title: l.title ?? l.sku,
      lineItemCost: amount(cost),
      quantity: l.quantity,
      soldFormat: 'FIXED_PRICE',
      listingMarketplaceId: 'EBAY_US',
      purchaseMarketplaceId: 'EBAY_US',
      lineItemFulfillmentStatus: 'NOT_STARTED',
      total: amount(cost + shipping + lineTax),
      deliveryCost: { shippingCost: amount(shipping) },
      appliedPromotions: [],
      taxes: lineTax ? [{ amount: amount(lineTax), taxType: 'STATE_SALES_TAX' }] : [],
      ...(input.collectAndRemit && lineTax
        ? {
            ebayCollectAndRemitTaxes: [
              { taxType: 'STATE_SALES_TAX', amount: amount(lineTax), collectionMethod: 'NET' },
            ],
          }
        : {}),
      properties: { buyerProtection: true },
      lineItemFulfillmentInstructions: { shipByDate: shipBy, guaranteedDelivery: false },
    };
  });
  const total = subtotal + delivery + tax;
  return {
    orderId: input.orderId,
    legacyOrderId: `${input.orderId.replace(/-/g, '').slice(-12)}-0`,
    creationDate: created,
    lastModifiedDate: input.lastModifiedDate,
    orderFulfillmentStatus: 'NOT_STARTED',
    orderPaymentStatus: 'PAID',
    sellerId: 'acme_outfitters',
    buyer: {
      username: buyer.username,
      taxAddress: {
        stateOrProvince: shipTo.state,
        postalCode: shipTo.postalCode,
        countryCode: shipTo.country,
      },
      buyerRegistrationAddress: {
        fullName: buyer.fullName,
        contactAddress,
        ...(buyer.phone ? { primaryPhone: { phoneNumber: buyer.phone } } : {}),
        ...(buyer.email ? { email: buyer.email } : {}),
      },
    },
    pricingSummary: {
      priceSubtotal: amount(subtotal),
      deliveryCost: amount(delivery),
      ...(tax ? { tax: amount(tax) } : {}),
      total: amount(total),
    },
    cancelStatus: { cancelState: 'NONE_REQUESTED', cancelRequests: [] },
    paymentSummary: {
      totalDueSeller: amount(total),
      refunds: [],
      payments: [
        {
          paymentMethod: 'EBAY',
          paymentReferenceId: `PAY${input.orderId.replace(/-/g, '')}`,
          paymentDate: created,
          amount: amount(total),
          paymentStatus: 'PAID',
        },
      ],
    },
    fulfillmentStartInstructions: [
      {
        fulfillmentInstructionsType: 'SHIP_TO',
        ebaySupportedFulfillment: false,
        shippingStep: {
          shipTo: {
            fullName: buyer.fullName,
            contactAddress,
            ...(buyer.phone ? { primaryPhone: { phoneNumber: buyer.phone } } : {}),
            ...(buyer.email ? { email: buyer.email } : {}),
          },
          shippingCarrierCode: 'USPS',
          shippingServiceCode: 'USPSPriority',
        },
      },
    ],
    fulfillmentHrefs: [],
    lineItems,
    ...(input.collectAndRemit && tax ? { ebayCollectAndRemitTax: true } : {}),
    salesRecordReference: String(1000 + (Number(input.orderId.replace(/\D/g, '').slice(-4)) || 0)),
  };
}

/** An ORDER_CONFIRMATION notification as eBay pushes it (commerce notification envelope). */
export function orderConfirmation(notificationId: string, orderId: string, at = '2026-11-28T17:04:20.000Z') {
  return JSON.stringify({
    metadata: { topic: 'ORDER_CONFIRMATION', schemaVersion: '1.0', deprecated: false },
    notification: {
      notificationId,
      eventDate: at,
      publishDate: at,
      publishAttemptCount: 1,
      data: { orderId },
    },
  });
}
