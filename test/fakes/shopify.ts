import { HttpResponse, http } from 'msw';

/** A GraphQL Admin Order node, in Shopify's shape, with the fields the hub asks for. */
export function shopifyNode(id: string, updatedAt: string, price = '40.00') {
  const money = (amount: string) => ({ shopMoney: { amount, currencyCode: 'USD' } });
  return {
    id: `gid://shopify/Order/${id}`,
    name: `#${id.slice(-4)}`,
    createdAt: '2026-11-01T12:00:00Z',
    updatedAt,
    cancelledAt: null,
    currencyCode: 'USD',
    presentmentCurrencyCode: 'USD',
    email: `buyer${id.slice(-4)}@example.com`,
    phone: null,
    note: null,
    tags: ['graphql'],
    poNumber: null,
    taxesIncluded: false,
    displayFinancialStatus: 'PAID',
    displayFulfillmentStatus: 'UNFULFILLED',
    paymentGatewayNames: ['shopify_payments'],
    totalPriceSet: money(price),
    totalDiscountsSet: money('0.00'),
    totalTipReceivedSet: money('0.00'),
    originalTotalDutiesSet: null,
    originalTotalAdditionalFeesSet: null,
    customer: null,
    billingAddress: null,
    shippingAddress: null,
    customAttributes: [],
    lineItems: {
      pageInfo: { hasNextPage: false },
      nodes: [
        {
          id: `gid://shopify/LineItem/${id}1`,
          sku: 'CAP-1',
          name: 'Cap',
          title: 'Cap',
          quantity: 1,
          currentQuantity: 1,
          isGiftCard: false,
          originalUnitPriceSet: money(price),
          discountAllocations: [],
          taxLines: [],
        },
      ],
    },
    shippingLines: { nodes: [] },
    fulfillments: [],
    refunds: [],
  };
}

/** Write-side state of one order in the fake: what the fulfillment, cancel and refund mutations touch. */
export interface FakeShopifyOrder {
  cancelledAt: string | null;
  fulfillmentOrders: {
    id: string;
    status: string;
    lineItems: { id: string; remainingQuantity: number; lineItemId: string }[];
  }[];
  fulfillments: {
    id: string;
    trackingNumbers: string[];
    lines: { id: string; quantity: number }[];
    notifyCustomer: boolean;
  }[];
  transactions: { id: string; kind: string; status: string; gateway: string }[];
  refunds: { id: string; key: string; amount: string }[];
  note?: string | null;
  tags?: string[];
}

export interface FakeShopify {
  nodes: ReturnType<typeof shopifyNode>[];
  /** Orders the write-side mutations act on, by numeric id. */
  orders: Map<string, FakeShopifyOrder>;
  /** The app's webhook subscriptions. */
  subscriptions: { id: string; topic: string; uri: string }[];
  /** Refuse every token (an uninstalled app). */
  deny: boolean;
  /** Each GraphQL call: requested cost, whether it was throttled. */
  calls: { first: number; throttled: boolean }[];
  bucket: { max: number; restoreRate: number; available: number; at: number };
  handlers: ReturnType<typeof http.post>[];
}

/**
 * The GraphQL Admin API's orders query with Shopify's cost-based throttle: a leaky
 * bucket (max points, restored per second), each node costing `costPerNode`, and a
 * THROTTLED answer (HTTP 200, with the bucket in extensions.cost) when the bucket
 * cannot pay the requested cost.
 */
export function fakeShopify(
  shop: string,
  version: string,
  token: string,
  options: { max: number; restoreRate: number; costPerNode: number; origin?: string } = {
    max: 1000,
    restoreRate: 100,
    costPerNode: 10,
  },
): FakeShopify {
  let next = 1;
  const numeric = (gid: string) => gid.split('/').pop()!;
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL variables as the client sends them
  const mutations = (operation: string, variables: Record<string, any>) => {
    if (
      operation === 'SwitchyardFulfillmentState' ||
      operation === 'SwitchyardCancelState' ||
      operation === 'SwitchyardTransactions'
    ) {
      const order = fake.orders.get(numeric(variables.id));
      if (!order) return { order: null };
      return {
        order: {
          cancelledAt: order.cancelledAt,
          transactions: order.transactions,
          fulfillments: order.fulfillments.map((f) => ({
            id: f.id,
            trackingInfo: f.trackingNumbers.map((number) => ({ number })),
          })),
          fulfillmentOrders: {
            pageInfo: { hasNextPage: false },
            nodes: order.fulfillmentOrders.map((fo) => ({
              id: fo.id,
              status: fo.status,
              lineItems: {
                pageInfo: { hasNextPage: false },
                nodes: fo.lineItems.map((li) => ({
                  id: li.id,
                  remainingQuantity: li.remainingQuantity,
                  lineItem: { id: `gid://shopify/LineItem/${li.lineItemId}` },
                })),
              },
            })),
          },
        },
      };
    }
    if (operation === 'SwitchyardFulfill') {
      const input = variables.fulfillment;
      const first = input.lineItemsByFulfillmentOrder[0]?.fulfillmentOrderId;
      const order = [...fake.orders.values()].find((o) => o.fulfillmentOrders.some((fo) => fo.id === first));
      if (!order)
        return {
          fulfillmentCreate: {
            fulfillment: null,
            userErrors: [{ field: ['fulfillment'], message: 'Fulfillment order does not exist.' }],
          },
        };
      const lines: { id: string; quantity: number }[] = [];
      for (const group of input.lineItemsByFulfillmentOrder) {
        const fo = order.fulfillmentOrders.find((f) => f.id === group.fulfillmentOrderId)!;
        for (const item of group.fulfillmentOrderLineItems) {
          const li = fo.lineItems.find((l) => l.id === item.id)!;
          if (item.quantity > li.remainingQuantity) {
            return {
              fulfillmentCreate: {
                fulfillment: null,
                userErrors: [{ field: ['quantity'], message: 'Quantity exceeds remaining.' }],
              },
            };
          }
          li.remainingQuantity -= item.quantity;
          lines.push({ id: item.id, quantity: item.quantity });
        }
        if (fo.lineItems.every((l) => l.remainingQuantity === 0)) fo.status = 'CLOSED';
      }
      const fulfillment = {
        id: `gid://shopify/Fulfillment/${next++}`,
        trackingNumbers: input.trackingInfo?.numbers ?? [],
        lines,
        notifyCustomer: !!input.notifyCustomer,
      };
      order.fulfillments.push(fulfillment);
      return { fulfillmentCreate: { fulfillment: { id: fulfillment.id }, userErrors: [] } };
    }
    if (operation === 'SwitchyardWebhookSubscriptions') {
      return {
        webhookSubscriptions: {
          pageInfo: { hasNextPage: false, endCursor: null },
          nodes: fake.subscriptions,
        },
      };
    }
    if (operation === 'SwitchyardWebhookCreate') {
      const subscription = {
        id: `gid://shopify/WebhookSubscription/${next++}`,
        topic: variables.topic,
        uri: variables.webhookSubscription.uri,
      };
      fake.subscriptions.push(subscription);
      return { webhookSubscriptionCreate: { webhookSubscription: { id: subscription.id }, userErrors: [] } };
    }
    if (operation === 'SwitchyardWebhookUpdate') {
      const subscription = fake.subscriptions.find((x) => x.id === variables.id);
      if (!subscription)
        return {
          webhookSubscriptionUpdate: {
            webhookSubscription: null,
            userErrors: [{ field: ['id'], message: 'Webhook subscription does not exist' }],
          },
        };
      subscription.uri = variables.webhookSubscription.uri;
      return { webhookSubscriptionUpdate: { webhookSubscription: { id: subscription.id }, userErrors: [] } };
    }
    if (operation === 'SwitchyardTracking') {
      const fulfillment = [...fake.orders.values()]
        .flatMap((o) => o.fulfillments)
        .find((f) => f.id === variables.fulfillmentId);
      if (!fulfillment)
        return {
          fulfillmentTrackingInfoUpdate: {
            fulfillment: null,
            userErrors: [{ field: ['fulfillmentId'], message: 'Fulfillment does not exist.' }],
          },
        };
      fulfillment.trackingNumbers = variables.trackingInfoInput.numbers ?? [];
      return { fulfillmentTrackingInfoUpdate: { fulfillment: { id: fulfillment.id }, userErrors: [] } };
    }
    if (operation === 'SwitchyardAnnotations') {
      const order = fake.orders.get(numeric(variables.id));
      return { order: order ? { note: order.note ?? null, tags: order.tags ?? [] } : null };
    }
    if (operation === 'SwitchyardTagsAdd' || operation === 'SwitchyardNote') {
      const field = operation === 'SwitchyardNote' ? 'orderUpdate' : 'tagsAdd';
      const order = fake.orders.get(numeric(variables.id ?? variables.input.id));
      if (!order) return { [field]: { userErrors: [{ field: ['id'], message: 'Order does not exist' }] } };
      if (operation === 'SwitchyardNote') {
        if (variables.input.note.length > 5000)
          return { orderUpdate: { userErrors: [{ field: ['note'], message: 'Note is too long' }] } };
        order.note = variables.input.note;
        return { orderUpdate: { order: { id: variables.input.id }, userErrors: [] } };
      }
      order.tags = [...new Set([...(order.tags ?? []), ...variables.tags])];
      return { tagsAdd: { node: { id: variables.id }, userErrors: [] } };
    }
    if (operation === 'SwitchyardCancel') {
      const order = fake.orders.get(numeric(variables.orderId));
      if (!order)
        return {
          orderCancel: {
            job: null,
            orderCancelUserErrors: [{ field: ['orderId'], message: 'Order does not exist' }],
          },
        };
      order.cancelledAt = new Date().toISOString();
      return { orderCancel: { job: { id: `gid://shopify/Job/${next++}` }, orderCancelUserErrors: [] } };
    }
    if (operation === 'SwitchyardRefund') {
      const order = fake.orders.get(numeric(variables.input.orderId));
      if (!order)
        return {
          refundCreate: {
            refund: null,
            userErrors: [{ field: ['orderId'], message: 'Order does not exist' }],
          },
        };
      // @idempotent: the same key returns the original refund.
      const earlier = order.refunds.find((r) => r.key === variables.key);
      if (earlier) return { refundCreate: { refund: { id: earlier.id }, userErrors: [] } };
      const refund = {
        id: `gid://shopify/Refund/${next++}`,
        key: variables.key,
        amount: variables.input.transactions[0].amount,
      };
      order.refunds.push(refund);
      return { refundCreate: { refund: { id: refund.id }, userErrors: [] } };
    }
    return undefined;
  };
  const fake: FakeShopify = {
    nodes: [],
    orders: new Map(),
    subscriptions: [],
    deny: false,
    calls: [],
    bucket: { max: options.max, restoreRate: options.restoreRate, available: options.max, at: Date.now() },
    handlers: [
      http.post(
        `${options.origin ?? `https://${shop}`}/admin/api/${version}/graphql.json`,
        async ({ request }) => {
          if (request.headers.get('x-shopify-access-token') !== token || fake.deny) {
            return HttpResponse.json(
              { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' },
              { status: 401 },
            );
          }
          // biome-ignore lint/suspicious/noExplicitAny: GraphQL variables as the client sends them
          const body = (await request.json()) as { query: string; variables: Record<string, any> };
          const operation = /^(?:query|mutation)\s+(\w+)/.exec(body.query.trim())?.[1] ?? '';
          if (operation !== 'SwitchyardOrders') {
            if (operation === 'SwitchyardRefund' && !/@idempotent\(key:/.test(body.query)) {
              return HttpResponse.json({
                errors: [{ message: 'The @idempotent directive is required for this mutation.' }],
              });
            }
            const data = mutations(operation, body.variables);
            const cost = {
              requestedQueryCost: 10,
              actualQueryCost: 10,
              throttleStatus: {
                maximumAvailable: fake.bucket.max,
                currentlyAvailable: Math.floor(fake.bucket.available),
                restoreRate: fake.bucket.restoreRate,
              },
            };
            return HttpResponse.json(
              data
                ? { data, extensions: { cost } }
                : { errors: [{ message: `unknown operation ${operation}` }] },
            );
          }
          const variables = body.variables as {
            first: number;
            after: string | null;
            query: string | null;
            countQuery?: string | null;
          };
          const b = fake.bucket;
          const now = Date.now();
          b.available = Math.min(b.max, b.available + ((now - b.at) / 1000) * b.restoreRate);
          b.at = now;
          const requested = 2 + variables.first * options.costPerNode;
          if (requested > 1000) {
            fake.calls.push({ first: variables.first, throttled: false });
            return HttpResponse.json({
              errors: [
                {
                  message: `Query cost is ${requested}, which exceeds the single query max cost limit (1000).`,
                  extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: 1000 },
                },
              ],
            });
          }
          const status = () => ({
            maximumAvailable: b.max,
            currentlyAvailable: Math.floor(b.available),
            restoreRate: b.restoreRate,
          });
          if (b.available < requested) {
            fake.calls.push({ first: variables.first, throttled: true });
            return HttpResponse.json({
              errors: [
                {
                  message: 'Throttled',
                  extensions: {
                    code: 'THROTTLED',
                    documentation: 'https://shopify.dev/api/usage/rate-limits',
                  },
                },
              ],
              extensions: {
                cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: status() },
              },
            });
          }
          const changedSince = (search: string | null | undefined) => {
            const since = /updated_at:>='([^']+)'/.exec(search ?? '')?.[1];
            return fake.nodes.filter((n) => !since || Date.parse(n.updatedAt) >= Date.parse(since));
          };
          const matching = changedSince(variables.query).sort(
            (a, c) => a.updatedAt.localeCompare(c.updatedAt) || a.id.localeCompare(c.id),
          );
          const start = variables.after ? Number(Buffer.from(variables.after, 'base64').toString()) : 0;
          const page = matching.slice(start, start + variables.first);
          const end = start + page.length;
          const actual = 2 + page.length * options.costPerNode;
          b.available -= actual;
          fake.calls.push({ first: variables.first, throttled: false });
          return HttpResponse.json({
            data: {
              ordersCount: { count: changedSince(variables.countQuery).length, precision: 'EXACT' },
              orders: {
                pageInfo: {
                  hasNextPage: end < matching.length,
                  endCursor: page.length ? Buffer.from(String(end)).toString('base64') : null,
                },
                nodes: page,
              },
            },
            extensions: {
              cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: status() },
            },
          });
        },
      ),
    ],
  };
  return fake;
}
