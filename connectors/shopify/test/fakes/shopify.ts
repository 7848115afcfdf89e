import { HttpResponse, http, type RequestHandler } from 'msw';
import { bulkFileHandler, changedSince } from './bulk-export.ts';
import { answerOperation } from './operations.ts';
import { type FakeStock, fakeStock, GraphqlRefusal } from './stock.ts';

/** An Order node as the fake keeps and serves it. */
export type FakeOrderNode = ReturnType<typeof shopifyNode>;

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
    /** OPEN, IN_PROGRESS (partly fulfilled), CLOSED. */
    status: string;
    /** The location it is assigned to (number or gid); the fake's `defaultLocation` when absent. */
    assignedLocation?: string;
    lineItems: { id: string; remainingQuantity: number; lineItemId: string }[];
  }[];
  fulfillments: {
    id: string;
    trackingNumbers: string[];
    lines: { id: string; quantity: number }[];
    notifyCustomer: boolean;
    /** The location (number) of the fulfillment orders it fulfilled; set by the fake. */
    location?: string;
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
  nodes: FakeOrderNode[];
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
  /** The location (number) of fulfillment orders seeded without `assignedLocation`: the shop's primary one. */
  defaultLocation: string;
  /** Each fulfillmentOrderMove that moved something: from which fulfillment order, to which location (number), what. */
  moves: { fulfillmentOrderId: string; to: string; lines: { id: string; quantity: number }[] }[];
  /** Locations (numbers) that stock none of the orders' items: a move there is refused. */
  unstockedLocations: Set<string>;
  /** Every order's fulfillments made from fulfillment orders at `location` (number or gid). */
  fulfillmentsAt(location: string): (FakeShopifyOrder['fulfillments'][number] & { orderId: string })[];
  /** Variants with SKUs and `available` per (inventory item, location): `stock.set`, `stock.get`, `stock.writes`. */
  stock: FakeStock;
  /** The app's webhook subscriptions. */
  subscriptions: { id: string; topic: string; uri: string }[];
  /** Topics (GraphQL names) the token's scopes do not cover: creating their subscription is refused. */
  unscopedTopics: Set<string>;
  /** Refuse every token (an uninstalled app). */
  deny: boolean;
  /**
   * Operations (by name, e.g. `SwitchyardFulfill`) whose next call takes effect but whose answer is lost: the
   * fake acts, then answers 503, as when a connection drops after Shopify did the work. Each is used once.
   */
  loseAnswer: Set<string>;
  /** Each GraphQL call: requested cost, whether it was throttled. */
  calls: { first: number; throttled: boolean }[];
  bucket: { max: number; restoreRate: number; available: number; at: number };
  handlers: RequestHandler[];
}

/** Mutations Shopify runs only with an @idempotent(key:) directive. */
const IDEMPOTENT_ONLY =
  /\b(refundCreate|inventorySetQuantities|inventoryAdjustQuantities|inventorySetOnHandQuantities)\s*\(/;

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
  const bulkOrigin = options.origin ?? 'https://storage.googleapis.com/shopify-tiers-assets-prod-us-east1';
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
    defaultLocation: '1',
    moves: [],
    unstockedLocations: new Set(),
    fulfillmentsAt(location) {
      const at = location.split('/').pop();
      return [...fake.orders].flatMap(([orderId, o]) =>
        o.fulfillments.filter((f) => f.location === at).map((f) => ({ ...f, orderId })),
      );
    },
    stock: fakeStock(() => next++),
    subscriptions: [],
    unscopedTopics: new Set(),
    deny: false,
    loseAnswer: new Set(),
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
            // Since 2026-04 these refuse to run without @idempotent, although the schema does not mark it required.
            if (IDEMPOTENT_ONLY.test(body.query) && !/@idempotent\(key:/.test(body.query)) {
              return HttpResponse.json({
                errors: [{ message: 'The @idempotent directive is required for this mutation.' }],
              });
            }
            let data: object | undefined;
            try {
              data = answerOperation(fake, () => next++, operation, body.variables);
            } catch (error) {
              if (!(error instanceof GraphqlRefusal)) throw error;
              return HttpResponse.json({
                errors: [{ message: error.message, extensions: error.code ? { code: error.code } : {} }],
              });
            }
            if (fake.loseAnswer.delete(operation)) {
              return new HttpResponse('upstream connect error or disconnect/reset before headers', {
                status: 503,
              });
            }
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
          const matching = changedSince(fake, sinceOf(variables.query));
          const start = variables.after ? Number(Buffer.from(variables.after, 'base64').toString()) : 0;
          const page = matching.slice(start, start + variables.first);
          const end = start + page.length;
          const actual = 2 + page.length * options.costPerNode;
          b.available -= actual;
          fake.calls.push({ first: variables.first, throttled: false });
          return HttpResponse.json({
            data: {
              ordersCount: {
                count: changedSince(fake, sinceOf(variables.countQuery)).length,
                precision: 'EXACT',
              },
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
  fake.handlers.push(bulkFileHandler(fake));
  return fake;
}
