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

export interface FakeShopify {
  nodes: ReturnType<typeof shopifyNode>[];
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
  options = { max: 1000, restoreRate: 100, costPerNode: 10 },
): FakeShopify {
  const fake: FakeShopify = {
    nodes: [],
    calls: [],
    bucket: { max: options.max, restoreRate: options.restoreRate, available: options.max, at: Date.now() },
    handlers: [
      http.post(`https://${shop}/admin/api/${version}/graphql.json`, async ({ request }) => {
        if (request.headers.get('x-shopify-access-token') !== token) {
          return HttpResponse.json(
            { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' },
            { status: 401 },
          );
        }
        const { variables } = (await request.json()) as {
          variables: { first: number; after: string | null; query: string | null };
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
                extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
              },
            ],
            extensions: {
              cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: status() },
            },
          });
        }
        const since = /updated_at:>='([^']+)'/.exec(variables.query ?? '')?.[1];
        const matching = fake.nodes
          .filter((n) => !since || Date.parse(n.updatedAt) >= Date.parse(since))
          .sort((a, c) => a.updatedAt.localeCompare(c.updatedAt) || a.id.localeCompare(c.id));
        const start = variables.after ? Number(Buffer.from(variables.after, 'base64').toString()) : 0;
        const page = matching.slice(start, start + variables.first);
        const end = start + page.length;
        const actual = 2 + page.length * options.costPerNode;
        b.available -= actual;
        fake.calls.push({ first: variables.first, throttled: false });
        return HttpResponse.json({
          data: {
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
      }),
    ],
  };
  return fake;
}
