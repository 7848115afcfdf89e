import type { LineStatus, WalmartOrder } from '../../src/walmart-order.ts';

/** One line of a fake purchase order: its price, tax and shipping as Walmart sends them (JSON numbers). */
export interface FakeLine {
  lineNumber: string;
  sku: string;
  productName?: string;
  /** The PRODUCT ItemPrice for the line's quantity. */
  price: number;
  tax?: number;
  shipping?: number;
  shippingTax?: number;
  quantity?: number;
  /** Pounds, as productInfo=true gives it. */
  weightLb?: string;
  statuses?: LineStatus[];
}

export interface FakeOrderOptions {
  customerOrderId?: string;
  orderDate?: number;
  estimatedShipDate?: number;
  methodCode?: string;
  lines?: FakeLine[];
  orderType?: 'REGULAR' | 'REPLACEMENT';
  originalCustomerOrderID?: string;
  name?: string;
}

const usd = (amount: number) => ({ currency: 'USD', amount });
const each = (n: number) => ({ unitOfMeasurement: 'EACH', amount: String(n) });

/**
 * A Walmart purchase order in the shape `GET /v3/orders` lists it: by default one line of one mug at 12.99 with
 * 1.07 tax and 4.99 shipping, in Created, to ship by a day after it was placed.
 */
export function walmartOrder(purchaseOrderId: string, o: FakeOrderOptions = {}): WalmartOrder {
  const orderDate = o.orderDate ?? Date.UTC(2026, 10, 30, 15, 0, 0);
  const lines = o.lines ?? [{ lineNumber: '1', sku: 'MUG-1', price: 12.99, tax: 1.07, shipping: 4.99 }];
  return {
    purchaseOrderId,
    customerOrderId: o.customerOrderId ?? `5${purchaseOrderId.slice(-12).padStart(12, '0')}`,
    customerEmailId: `${purchaseOrderId}@relay.walmart.com`,
    orderType: o.orderType ?? 'REGULAR',
    ...(o.originalCustomerOrderID ? { originalCustomerOrderID: o.originalCustomerOrderID } : {}),
    orderDate,
    shippingInfo: {
      phone: '5035550142',
      estimatedDeliveryDate: orderDate + 5 * 86_400_000,
      estimatedShipDate: o.estimatedShipDate ?? orderDate + 86_400_000,
      methodCode: o.methodCode ?? 'Standard',
      postalAddress: {
        name: o.name ?? 'Grace Hopper',
        address1: '1 Navy Yard Ct',
        address2: 'Apt 3',
        city: 'Arlington',
        state: 'VA',
        postalCode: '22202',
        country: 'USA',
        addressType: 'RESIDENTIAL',
      },
    },
    orderLines: {
      orderLine: lines.map((l) => ({
        lineNumber: l.lineNumber,
        item: {
          productName: l.productName ?? `Product ${l.sku}`,
          sku: l.sku,
          ...(l.weightLb ? { weight: { value: l.weightLb, unit: 'Pounds' } } : {}),
        },
        charges: {
          charge: [
            {
              chargeType: 'PRODUCT',
              chargeName: 'ItemPrice',
              chargeAmount: usd(l.price),
              ...(l.tax !== undefined ? { tax: { taxName: 'Tax1', taxAmount: usd(l.tax) } } : {}),
            },
            ...(l.shipping !== undefined
              ? [
                  {
                    chargeType: 'SHIPPING',
                    chargeName: 'Shipping',
                    chargeAmount: usd(l.shipping),
                    ...(l.shippingTax !== undefined
                      ? { tax: { taxName: 'Tax2', taxAmount: usd(l.shippingTax) } }
                      : {}),
                  },
                ]
              : []),
          ],
        },
        orderLineQuantity: each(l.quantity ?? 1),
        statusDate: orderDate + 60_000,
        orderLineStatuses: {
          orderLineStatus: l.statuses ?? [{ status: 'Created', statusQuantity: each(l.quantity ?? 1) }],
        },
        fulfillment: { fulfillmentOption: 'S2H', shipMethod: (o.methodCode ?? 'Standard').toUpperCase() },
      })),
    },
    shipNode: { type: 'SellerFulfilled' },
  };
}

/**
 * The order as Walmart answers it for a request: `orderType`/`originalCustomerOrderID` only with
 * `replacementInfo=true`, item weights only with `productInfo=true`.
 */
export function asListed(order: WalmartOrder, query: URLSearchParams): WalmartOrder {
  const copy = structuredClone(order);
  if (query.get('replacementInfo') !== 'true') {
    delete copy.orderType;
    delete copy.originalCustomerOrderID;
  }
  if (query.get('productInfo') !== 'true') {
    for (const line of copy.orderLines.orderLine) delete line.item.weight;
  }
  return copy;
}
