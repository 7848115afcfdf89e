import { z } from 'zod';

/**
 * A Walmart Marketplace (US) purchase order as `GET /v3/orders`, `/v3/orders/released` and
 * `/v3/orders/{purchaseOrderId}` give it (the schema `GetOrderResponseRecord` of Walmart's Order Management
 * OpenAPI 0.6.3): the fields the hub reads, unknown ones ignored. Money is a JSON number, dates are epoch
 * milliseconds, quantities are strings.
 */
const Text = z.string().nullish();
const EpochMs = z.number().int().nonnegative();
const Amount = z.object({ currency: z.string().length(3), amount: z.number() });
const Quantity = z.object({
  unitOfMeasurement: z.string().nullish(),
  amount: z.string().regex(/^\d+$/, 'must be a whole number as a string, e.g. "1"'),
});

export const Charge = z.object({
  chargeType: z.string(),
  chargeName: z.string().nullish(),
  chargeAmount: Amount,
  tax: z.object({ taxName: z.string().nullish(), taxAmount: Amount }).nullish(),
});
export type Charge = z.infer<typeof Charge>;

export const TrackingInfo = z.object({
  shipDateTime: EpochMs.nullish(),
  carrierName: z.object({ carrier: Text, otherCarrier: Text }).nullish(),
  methodCode: Text,
  trackingNumber: Text,
  trackingURL: Text,
});

export const LineStatus = z.object({
  status: z.enum(['Created', 'Acknowledged', 'Shipped', 'Delivered', 'Cancelled', 'Refund']),
  statusQuantity: Quantity,
  cancellationReason: Text,
  trackingInfo: TrackingInfo.nullish(),
});
export type LineStatus = z.infer<typeof LineStatus>;

export const OrderLine = z.object({
  lineNumber: z.string().min(1),
  item: z.object({
    productName: z.string(),
    sku: z.string(),
    weight: z.object({ value: z.string(), unit: z.string() }).nullish(),
  }),
  charges: z.object({ charge: z.array(Charge) }),
  orderLineQuantity: Quantity,
  statusDate: EpochMs,
  orderLineStatuses: z.object({ orderLineStatus: z.array(LineStatus).min(1) }),
  refund: z
    .object({
      refundId: Text,
      refundComments: Text,
      refundCharges: z.object({
        refundCharge: z.array(z.object({ refundReason: z.string(), charge: Charge })),
      }),
    })
    .nullish(),
  fulfillment: z.object({ fulfillmentOption: Text, shipMethod: Text }).nullish(),
  intentToCancel: Text,
});
export type OrderLine = z.infer<typeof OrderLine>;

export const WalmartOrder = z.object({
  purchaseOrderId: z.string().min(1),
  customerOrderId: z.string().min(1),
  customerEmailId: Text,
  orderType: Text,
  originalCustomerOrderID: Text,
  orderDate: EpochMs,
  buyerId: Text,
  shippingInfo: z.object({
    phone: Text,
    estimatedDeliveryDate: EpochMs.nullish(),
    estimatedShipDate: EpochMs.nullish(),
    methodCode: Text,
    postalAddress: z.object({
      name: Text,
      address1: Text,
      address2: Text,
      city: Text,
      state: Text,
      postalCode: Text,
      country: Text,
      addressType: Text,
    }),
  }),
  orderLines: z.object({ orderLine: z.array(OrderLine).min(1, 'a Walmart order has at least one line') }),
  orderSummary: z
    .object({ totalAmount: z.object({ currencyAmount: z.number(), currencyUnit: z.string() }).nullish() })
    .nullish(),
  // Walmart answers `[]` when there is none, an object otherwise.
  shipNode: z.union([z.object({ type: Text, name: Text, id: Text }), z.array(z.unknown())]).nullish(),
});
export type WalmartOrder = z.infer<typeof WalmartOrder>;

/** The order's modification time: Walmart gives none, but each line's `statusDate` moves with its status. */
export function modifiedAt(order: Pick<WalmartOrder, 'orderDate' | 'orderLines'>): number {
  return Math.max(order.orderDate, ...order.orderLines.orderLine.map((l) => l.statusDate));
}
