import { HttpResponse, http } from 'msw';

type Node = ReturnType<typeof shopifyNode>;

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
          unfulfilledQuantity: 1,
          isGiftCard: false,
          originalUnitPriceSet: money(price),
          discountAllocations: [],
          taxLines: [],
        },
      ],
    },
    shippingLines: { nodes: [] as Record<string, unknown>[] },
    fulfillments: [] as Record<string, unknown>[],
    refunds: [] as Record<string, unknown>[],
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

/** A bulk query operation: its export is made when it runs, like Shopify's, and served as JSONL. */
export interface FakeBulkOperation {
  id: string;
  createdAt: string;
  query: string;
  polls: number;
  file?: Buffer;
  roots: number;
  objects: number;
  /** Set when the operation failed: its errorCode. */
  error?: string;
}

export interface FakeShopify {
  nodes: Node[];
  /** Bulk query operations, and how they behave: status polls answered RUNNING first, a failure. */
  bulk: {
    operations: FakeBulkOperation[];
    runningPolls: number;
    /** Where the JSONL files are served (by the handler below unless a test serves them itself). */
    origin: string;
    /** The Range header of each download. */
    downloads: (string | null)[];
    /** Downloads that carried an access token (the signed URL needs none). */
    downloadsWithToken: number;
    /** Operations whose file answers 403, as storage does once a signed link has expired. */
    expiredFiles: Set<string>;
    /** The next export's createdAt, when a test needs it earlier than now. */
    nextCreatedAt?: string | undefined;
    /** The next status poll fails its operation with this errorCode, for good. */
    failNext?: string | undefined;
  };
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
    if (operation === 'SwitchyardBulkOrders') {
      const op: FakeBulkOperation = {
        id: `gid://shopify/BulkOperation/${next++}`,
        createdAt: fake.bulk.nextCreatedAt ?? new Date().toISOString(),
        query: variables.query,
        polls: 0,
        roots: 0,
        objects: 0,
      };
      fake.bulk.operations.push(op);
      return {
        bulkOperationRunQuery: {
          bulkOperation: { id: op.id, status: 'CREATED', createdAt: op.createdAt },
          userErrors: [],
        },
      };
    }
    if (operation === 'SwitchyardBulkOperation') {
      const op = fake.bulk.operations.find((o) => o.id === variables.id);
      if (!op) return { bulkOperation: null };
      const base = { id: op.id, createdAt: op.createdAt, errorCode: null, partialDataUrl: null };
      if (fake.bulk.failNext) {
        op.error = fake.bulk.failNext;
        fake.bulk.failNext = undefined;
      }
      if (op.error) {
        const errorCode = op.error;
        return {
          bulkOperation: {
            ...base,
            status: 'FAILED',
            errorCode,
            objectCount: '0',
            rootObjectCount: '0',
            url: null,
          },
        };
      }
      if (op.polls++ < fake.bulk.runningPolls) {
        return {
          bulkOperation: { ...base, status: 'RUNNING', objectCount: '0', rootObjectCount: '0', url: null },
        };
      }
      op.file ??= exportJsonl(op, changedSince(/updated_at:>='([^']+)'/.exec(op.query)?.[1]));
      return {
        bulkOperation: {
          ...base,
          status: 'COMPLETED',
          objectCount: String(op.objects),
          rootObjectCount: String(op.roots),
          fileSize: op.roots ? String(op.file.length) : null,
          // Shopify leaves no file when nothing matched.
          url: op.roots ? `${fake.bulk.origin}/bulk-results/${gid(op.id)}.jsonl` : null,
        },
      };
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
  const gid = numeric;
  const bulkOrigin = options.origin ?? 'https://storage.googleapis.com/shopify-tiers-assets-prod-us-east1';
  const changedSince = (since: string | undefined) =>
    fake.nodes
      .filter((n) => !since || Date.parse(n.updatedAt) >= Date.parse(since))
      .sort((a, c) => a.updatedAt.localeCompare(c.updatedAt) || a.id.localeCompare(c.id));
  /** The JSONL a grouped bulk export writes: each order, then its line items and shipping lines with __parentId. */
  const exportJsonl = (op: FakeBulkOperation, nodes: Node[]) => {
    const out: string[] = [];
    for (const node of nodes) {
      const { lineItems, shippingLines, ...order } = node;
      const { fulfillments, refunds } = node;
      out.push(
        JSON.stringify({
          ...order,
          fulfillments: fulfillments.map(({ fulfillmentLineItems: _, ...f }) => f),
          refunds: refunds.map(({ refundLineItems: _l, transactions: _t, ...r }) => r),
        }),
      );
      // The hub selects __typename on children; Shopify writes it into each line.
      for (const li of lineItems.nodes)
        out.push(JSON.stringify({ __typename: 'LineItem', ...li, __parentId: node.id }));
      shippingLines.nodes.forEach((sl, i) => {
        out.push(
          JSON.stringify({
            __typename: 'ShippingLine',
            id: `gid://shopify/ShippingLine/${gid(node.id)}${i}`,
            ...sl,
            __parentId: node.id,
          }),
        );
      });
      op.roots++;
      op.objects += 1 + lineItems.nodes.length + shippingLines.nodes.length;
    }
    return Buffer.from(out.length ? `${out.join('\n')}\n` : '');
  };
  const fake: FakeShopify = {
    nodes: [],
    bulk: {
      operations: [],
      runningPolls: 1,
      downloads: [],
      downloadsWithToken: 0,
      expiredFiles: new Set(),
      origin: bulkOrigin,
    },
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
          const sinceOf = (search: string | null | undefined) =>
            /updated_at:>='([^']+)'/.exec(search ?? '')?.[1];
          const matching = changedSince(sinceOf(variables.query));
          const start = variables.after ? Number(Buffer.from(variables.after, 'base64').toString()) : 0;
          const page = matching.slice(start, start + variables.first);
          const end = start + page.length;
          const actual = 2 + page.length * options.costPerNode;
          b.available -= actual;
          fake.calls.push({ first: variables.first, throttled: false });
          return HttpResponse.json({
            data: {
              ordersCount: { count: changedSince(sinceOf(variables.countQuery)).length, precision: 'EXACT' },
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
      http.get(`${bulkOrigin}/bulk-results/:file`, ({ request, params }) => {
        const op = fake.bulk.operations.find((o) => `${gid(o.id)}.jsonl` === params.file);
        if (!op?.file) return new HttpResponse(null, { status: 404 });
        const range = request.headers.get('range');
        fake.bulk.downloads.push(range);
        if (request.headers.has('x-shopify-access-token')) fake.bulk.downloadsWithToken++;
        if (fake.bulk.expiredFiles.has(op.id)) {
          return new HttpResponse('<Error><Code>ExpiredToken</Code></Error>', { status: 403 });
        }
        const from = Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);
        if (range && from >= op.file.length) {
          return new HttpResponse(null, {
            status: 416,
            headers: { 'content-range': `bytes */${op.file.length}` },
          });
        }
        const body = op.file.subarray(from);
        return new HttpResponse(new Uint8Array(body), {
          status: range ? 206 : 200,
          headers: {
            'content-type': 'application/jsonl',
            ...(range ? { 'content-range': `bytes ${from}-${op.file.length - 1}/${op.file.length}` } : {}),
          },
        });
      }),
    ],
  };
  return fake;
}
