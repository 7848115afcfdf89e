/**
 * Orders in Orders API v2026-01-01's shape (money as decimal strings, UPPER_SNAKE statuses, items embedded, the
 * datasets BUYER, RECIPIENT, PROCEEDS, PROMOTION, CANCELLATION, FULFILLMENT, PACKAGES and TAX), built from a
 * short description so that the proceeds add up as Amazon's do: each item's breakdowns (ITEM, SHIPPING, TAX and
 * DISCOUNT with their details) sum to its proceedsTotal, the order's to its grandTotal.
 */
export interface ItemSpec {
  id: string;
  sku: string;
  title?: string;
  quantity: number;
  /** Unit price, e.g. "24.99". */
  unitPrice: string;
  shipping?: string;
  /** Tax on the goods and on the shipping. */
  tax?: string;
  shippingTax?: string;
  /** Promotion: what the buyer saved on the goods, and its id. */
  discount?: string;
  promotionId?: string;
  fulfilled?: number;
  /** The buyer asked to cancel the item, with this reason. */
  cancelRequested?: string;
  marketplaceFacilitator?: boolean;
}

export interface OrderSpec {
  id: string;
  updatedAt: string;
  createdAt?: string;
  status?: 'PENDING' | 'UNSHIPPED' | 'PARTIALLY_SHIPPED' | 'SHIPPED' | 'CANCELLED' | 'UNFULFILLABLE';
  fulfilledBy?: 'MERCHANT' | 'AMAZON';
  marketplaceId?: string;
  currency?: string;
  serviceLevel?: string;
  items: ItemSpec[];
  tip?: string;
  sellerOrderId?: string;
  shipBy?: string;
}

/** Cents from a decimal string with two places (the fixtures are in USD, GBP, EUR). */
const cents = (amount: string) => Math.round(Number(amount) * 100);
const text = (c: number) =>
  `${c < 0 ? '-' : ''}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, '0')}`;

export function amazonOrder(
  spec: OrderSpec,
): Record<string, unknown> & { orderId: string; lastUpdatedTime: string } {
  const currencyCode = spec.currency ?? 'USD';
  const money = (c: number) => ({ amount: text(c), currencyCode });
  const fba = spec.fulfilledBy === 'AMAZON';
  const sums = new Map<string, number>();
  const add = (type: string, c: number) => sums.set(type, (sums.get(type) ?? 0) + c);
  const orderItems = spec.items.map((item) => {
    const goods = cents(item.unitPrice) * item.quantity;
    const breakdowns: Record<string, unknown>[] = [{ type: 'ITEM', subtotal: money(goods) }];
    add('ITEM', goods);
    if (item.shipping) {
      breakdowns.push({ type: 'SHIPPING', subtotal: money(cents(item.shipping)) });
      add('SHIPPING', cents(item.shipping));
    }
    const tax = cents(item.tax ?? '0');
    const shippingTax = cents(item.shippingTax ?? '0');
    if (tax || shippingTax) {
      breakdowns.push({
        type: 'TAX',
        subtotal: money(tax + shippingTax),
        detailedBreakdowns: [
          { subtype: 'ITEM', value: money(tax) },
          ...(shippingTax ? [{ subtype: 'SHIPPING', value: money(shippingTax) }] : []),
        ],
      });
      add('TAX', tax + shippingTax);
    }
    if (item.discount) {
      const saved = -cents(item.discount);
      breakdowns.push({
        type: 'DISCOUNT',
        subtotal: money(saved),
        detailedBreakdowns: [{ subtype: 'ITEM', value: money(saved) }],
      });
      add('DISCOUNT', saved);
    }
    const total = breakdowns.reduce((n, b) => n + cents((b.subtotal as { amount: string }).amount), 0);
    const fulfilled = item.fulfilled ?? (spec.status === 'SHIPPED' ? item.quantity : 0);
    return {
      orderItemId: item.id,
      quantityOrdered: item.quantity,
      programs: [],
      product: {
        asin: `B0${item.id.slice(-8).padStart(8, '0')}`,
        title: item.title ?? item.sku,
        sellerSku: item.sku,
        condition: { conditionType: 'NEW', conditionSubtype: 'NEW' },
        price: { unitPrice: money(cents(item.unitPrice)) },
      },
      proceeds: { proceedsTotal: money(total), breakdowns },
      ...(item.promotionId ? { promotion: { breakdowns: [{ promotionId: item.promotionId }] } } : {}),
      ...(item.cancelRequested
        ? {
            cancellation: { cancellationRequest: { requester: 'BUYER', cancelReason: item.cancelRequested } },
          }
        : spec.status === 'CANCELLED'
          ? {
              cancellation: {
                cancellationExecution: { cancelledBy: 'BUYER', cancelReason: 'Buyer cancelled' },
              },
            }
          : {}),
      fulfillment: { quantityFulfilled: fulfilled, quantityUnfulfilled: item.quantity - fulfilled },
      ...(item.marketplaceFacilitator
        ? {
            tax: {
              taxCollections: [
                { model: 'MARKETPLACE_FACILITATOR', responsibleParty: 'Amazon Services, Inc.' },
              ],
            },
          }
        : {}),
    };
  });
  const breakdowns: Record<string, unknown>[] = [...sums].map(([type, c]) => ({ type, subtotal: money(c) }));
  let grand = [...sums.values()].reduce((n, c) => n + c, 0);
  if (spec.tip) {
    breakdowns.push({ type: 'DELIVERY_TIP', status: 'FINALIZED', subtotal: money(cents(spec.tip)) });
    grand += cents(spec.tip);
  }
  const created = spec.createdAt ?? spec.updatedAt;
  const shipBy = spec.shipBy ?? new Date(Date.parse(created) + 2 * 86_400_000).toISOString();
  return {
    orderId: spec.id,
    ...(spec.sellerOrderId
      ? { orderAliases: [{ aliasId: spec.sellerOrderId, aliasType: 'SELLER_ORDER_ID' }] }
      : {}),
    createdTime: created,
    lastUpdatedTime: spec.updatedAt,
    programs: fba ? ['PRIME'] : [],
    salesChannel: {
      channelName: 'AMAZON',
      marketplaceId: spec.marketplaceId ?? 'ATVPDKIKX0DER',
      marketplaceName: 'Amazon.com',
    },
    buyer: {
      buyerName: 'Grace Hopper',
      ...(fba ? {} : { buyerEmail: 'n4xk2r7q9v@marketplace.amazon.com' }),
    },
    recipient: {
      deliveryAddress: {
        name: 'Grace Hopper',
        addressLine1: '1 Compiler Way',
        addressLine2: 'Suite 5',
        city: 'Arlington',
        stateOrRegion: 'VA',
        postalCode: '22201',
        countryCode: 'US',
        ...(fba ? {} : { phone: '+1 703 555 0142' }),
        addressType: 'RESIDENTIAL',
      },
    },
    proceeds: { grandTotal: money(grand), breakdowns },
    fulfillment: {
      fulfillmentStatus: spec.status ?? 'UNSHIPPED',
      fulfilledBy: spec.fulfilledBy ?? 'MERCHANT',
      fulfillmentServiceLevel: spec.serviceLevel ?? 'STANDARD',
      shipByWindow: { earliestDateTime: created, latestDateTime: shipBy },
      deliverByWindow: {
        earliestDateTime: new Date(Date.parse(shipBy) + 86_400_000).toISOString(),
        latestDateTime: new Date(Date.parse(shipBy) + 5 * 86_400_000).toISOString(),
      },
    },
    orderItems,
    packages: [],
  };
}

/** Two items: one with tax and a promotion, one with shipping and its tax. */
export function sampleOrder(id: string, updatedAt: string, overrides: Partial<OrderSpec> = {}) {
  return amazonOrder({
    id,
    updatedAt,
    createdAt: '2026-11-30T10:00:00Z',
    items: [
      {
        id: `${id.replace(/\D/g, '').slice(-10)}01`,
        sku: 'MUG-1',
        title: 'Enamel mug',
        quantity: 2,
        unitPrice: '12.00',
        tax: '1.60',
        discount: '4.00',
        promotionId: 'PROMO-MUG',
      },
      {
        id: `${id.replace(/\D/g, '').slice(-10)}02`,
        sku: 'LAMP-1',
        title: 'Desk lamp',
        quantity: 1,
        unitPrice: '30.00',
        shipping: '5.00',
        tax: '2.40',
        shippingTax: '0.40',
      },
    ],
    ...overrides,
  });
}
