import { z } from 'zod';

/**
 * An eBay order as the Fulfillment API gives it (getOrders, getOrder; Fulfillment v1.20), with the fields the
 * mapper reads. Unknown fields are ignored. Amounts are `{ value: "12.34", currency: "USD" }`; dates ISO 8601
 * in UTC. eBay leaves fields out rather than sending null, but a null is read as absent all the same.
 */
const Text = z.string().nullish();
export const Amount = z.object({ value: z.string(), currency: z.string().length(3) });
export type Amount = z.infer<typeof Amount>;
const MaybeAmount = Amount.nullish();

const Address = z.object({
  addressLine1: Text,
  addressLine2: Text,
  city: Text,
  stateOrProvince: Text,
  postalCode: Text,
  countryCode: Text,
  county: Text,
});

/** A buyer's or a shipping partner's contact: eBay drops `email` after 14 days, name and phone after 90. */
const Contact = z.object({
  fullName: Text,
  companyName: Text,
  email: Text,
  primaryPhone: z.object({ phoneNumber: Text }).nullish(),
  contactAddress: Address.nullish(),
});
export type Contact = z.infer<typeof Contact>;

const Tax = z.object({ amount: MaybeAmount, taxType: Text });
const CollectAndRemitTax = z.object({ amount: MaybeAmount, taxType: Text, collectionMethod: Text });

export const LineItem = z.object({
  lineItemId: z.string().min(1),
  legacyItemId: Text,
  legacyVariationId: Text,
  sku: Text,
  title: z.string(),
  quantity: z.number().int().positive(),
  lineItemCost: Amount,
  discountedLineItemCost: MaybeAmount,
  appliedPromotions: z
    .array(z.object({ description: Text, discountAmount: MaybeAmount, promotionId: Text }))
    .nullish(),
  deliveryCost: z
    .object({
      shippingCost: MaybeAmount,
      handlingCost: MaybeAmount,
      discountAmount: MaybeAmount,
      importCharges: MaybeAmount,
      shippingIntermediationFee: MaybeAmount,
    })
    .nullish(),
  taxes: z.array(Tax).nullish(),
  ebayCollectAndRemitTaxes: z.array(CollectAndRemitTax).nullish(),
  lineItemFulfillmentStatus: Text,
  lineItemFulfillmentInstructions: z.object({ shipByDate: Text }).nullish(),
  listingMarketplaceId: Text,
  total: MaybeAmount,
  /**
   * Refunds issued for this line (issueRefund at the line level, eBay's own line refunds): not repeated in
   * `paymentSummary.refunds` ("This does not include line item level refunds"). No status: a refund with its
   * `refundDate` has been issued. The amount is the seller's net, without eBay-collected tax.
   */
  refunds: z
    .array(z.object({ amount: MaybeAmount, refundDate: Text, refundId: Text, refundReferenceId: Text }))
    .nullish(),
});
export type LineItem = z.infer<typeof LineItem>;

export const EbayOrder = z.object({
  orderId: z.string().min(1),
  creationDate: z.string(),
  lastModifiedDate: z.string(),
  salesRecordReference: Text,
  orderFulfillmentStatus: z.enum(['NOT_STARTED', 'IN_PROGRESS', 'FULFILLED']),
  orderPaymentStatus: Text,
  cancelStatus: z
    .object({
      cancelState: Text,
      cancelledDate: Text,
      cancelRequests: z
        .array(
          z.object({
            cancelRequestId: Text,
            cancelRequestState: Text,
            cancelInitiator: Text,
            cancelReason: Text,
            cancelCompletedDate: Text,
          }),
        )
        .nullish(),
    })
    .nullish(),
  buyer: z
    .object({ username: Text, buyerRegistrationAddress: Contact.nullish(), taxAddress: Address.nullish() })
    .nullish(),
  buyerCheckoutNotes: Text,
  ebayCollectAndRemitTax: z.boolean().nullish(),
  fulfillmentStartInstructions: z
    .array(
      z.object({
        fulfillmentInstructionsType: Text,
        ebaySupportedFulfillment: z.boolean().nullish(),
        finalDestinationAddress: Address.nullish(),
        shippingStep: z
          .object({
            shippingCarrierCode: Text,
            shippingServiceCode: Text,
            shipTo: Contact.nullish(),
            shipToReferenceId: Text,
          })
          .nullish(),
      }),
    )
    .nullish(),
  lineItems: z.array(LineItem).min(1, 'an eBay order has at least one line item'),
  pricingSummary: z.object({
    priceSubtotal: MaybeAmount,
    priceDiscount: MaybeAmount,
    deliveryCost: MaybeAmount,
    deliveryDiscount: MaybeAmount,
    tax: MaybeAmount,
    fee: MaybeAmount,
    adjustment: MaybeAmount,
    total: Amount,
  }),
  paymentSummary: z
    .object({
      payments: z
        .array(
          z.object({
            amount: MaybeAmount,
            paymentDate: Text,
            paymentMethod: Text,
            paymentReferenceId: Text,
            paymentStatus: Text,
          }),
        )
        .nullish(),
      /** Order-level refunds (line-level ones are in `lineItems[].refunds`); net of eBay-collected tax. */
      refunds: z
        .array(
          z.object({
            amount: MaybeAmount,
            refundDate: Text,
            refundId: Text,
            refundReferenceId: Text,
            refundStatus: Text,
          }),
        )
        .nullish(),
      totalDueSeller: MaybeAmount,
    })
    .nullish(),
  program: z.object({ fulfillmentProgram: z.object({ fulfilledBy: Text }).nullish() }).nullish(),
});
export type EbayOrder = z.infer<typeof EbayOrder>;
