import { http } from 'msw';
import type { WalmartOrder } from '../../src/walmart-order.ts';
import { type FakeOperation, fakeBuckets } from './buckets.ts';
import { gateway, walmartErrorBody } from './gateway.ts';
import { listingRoutes } from './listing.ts';
import { orderRoutes } from './order-routes.ts';
import { applyCancellation } from './writes.ts';

export interface FakeWalmartOptions {
  origin?: string;
  clientId?: string;
  clientSecret?: string;
  /** Rates × scale (0.01: a hundredth of the documented limits and buckets). */
  rateScale?: number;
  tokenLifetimeSeconds?: number;
  now?: () => number;
}

/** One call the fake answered. */
export interface FakeCall {
  operation: FakeOperation;
  method: string;
  path: string;
  /** The query string as sent (`?sku=TEA%20TOWEL`). */
  query: string;
  status: number;
  correlationId: string | null;
}

/**
 * Walmart Marketplace's API as msw handlers, in its shapes: the token call (Basic client credentials), the
 * required WM_* headers checked on every call (a missing one answered as Walmart does), released and all orders
 * with `nextCursor` query strings and the 20,000 cap, an order, acknowledge, shipping (each Shipped status is a
 * charge to the customer), cancel, inventory; throttled per operation with Walmart's headers (buckets.ts).
 */
export function fakeWalmart(options: FakeWalmartOptions = {}) {
  const now = options.now ?? Date.now;
  const fake = {
    origin: (options.origin ?? 'https://marketplace.walmartapis.com').replace(/\/+$/, ''),
    clientId: options.clientId ?? 'wm-client-id-0123',
    clientSecret: options.clientSecret ?? 'wm-client-secret-0123',
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 900,
    now,
    buckets: fakeBuckets(options.rateScale ?? 1, now),
    /** Purchase orders by id, with the modification time Walmart keeps to itself (`lastModified…` filters). */
    orders: new Map<string, { order: WalmartOrder; modifiedAt: number }>(),
    /** Access tokens issued, with their expiry; delete them to revoke. */
    tokens: new Map<string, number>(),
    mints: 0,
    calls: [] as FakeCall[],
    /** Orders acknowledged (an effect), in order. */
    acknowledged: [] as string[],
    /** Every line status turned Shipped: Walmart charges the customer for each. */
    charges: [] as {
      po: string;
      lineNumber: string;
      quantity: number;
      trackingNumber: string;
      carrier: string;
      methodCode: string;
    }[],
    cancellations: [] as { po: string; lineNumber: string; quantity: number; reason: string }[],
    /** Stock by `sku@shipNode` (`default` without one); only SKUs in `skus` exist. */
    stock: new Map<string, number>(),
    skus: new Set<string>(),
    /** The next N calls (of any operation) are answered 429. */
    throttleNext: 0,
    /** Refuse the client credentials (a revoked key). */
    deny: false,
    /** The next shipping update is applied, then its answer lost (the connection drops). */
    loseNextShippingAnswer: false,
    handlers: [] as ReturnType<typeof http.get>[],
    /** Puts a purchase order on the fake, as modified now (or at `modifiedAt`). */
    put(order: WalmartOrder, modifiedAt = now()) {
      fake.orders.set(order.purchaseOrderId, { order: structuredClone(order), modifiedAt });
    },
    /** Cancels the open units of lines (all by default), as Walmart does when the buyer cancels. */
    cancel(po: string, reason = 'CUSTOMER_REQUESTED_SELLER_TO_CANCEL', lineNumbers?: string[]) {
      const entry = fake.orders.get(po)!;
      const lines = entry.order.orderLines.orderLine.filter(
        (l) => !lineNumbers || lineNumbers.includes(l.lineNumber),
      );
      applyCancellation(
        entry.order,
        lines.map((l) => ({ lineNumber: l.lineNumber, reason })),
        now(),
      );
      entry.modifiedAt = now();
    },
    /** What the fake saw: calls by operation, and those refused 429. */
    stats() {
      const byOperation: Record<string, number> = {};
      for (const c of fake.calls) byOperation[c.operation] = (byOperation[c.operation] ?? 0) + 1;
      return {
        calls: fake.calls.length,
        byOperation,
        throttled: fake.calls.filter((c) => c.status === 429).length,
        firstThrottledCall: fake.calls.findIndex((c) => c.status === 429),
      };
    },
  };
  const gate = gateway(fake);
  fake.handlers = [
    gate.tokenRoute,
    ...listingRoutes(fake, gate),
    ...orderRoutes(fake, gate),
    http.put(
      `${fake.origin}/v3/inventory`,
      gate.route('inventory', async (request, headers) => {
        const q = new URL(request.url).searchParams;
        const sku = q.get('sku') ?? '';
        const body = (await request.json()) as {
          sku?: string;
          quantity?: { unit?: string; amount?: number };
        };
        if (!fake.skus.has(sku)) {
          const error = walmartErrorBody('CONTENT_NOT_FOUND.GMP_INVENTORY_API', 'Item not found', 'sku');
          return gate.answer('inventory', request, error, 404, headers);
        }
        const amount = body.quantity?.amount;
        if (
          body.sku !== sku ||
          body.quantity?.unit !== 'EACH' ||
          !Number.isSafeInteger(amount) ||
          amount! < 0
        ) {
          const error = walmartErrorBody(
            'INVALID_REQUEST_CONTENT.GMP_INVENTORY_API',
            'sku and quantity { unit: EACH, amount } are required',
            'quantity',
          );
          return gate.answer('inventory', request, error, 400, headers);
        }
        fake.stock.set(`${sku}@${q.get('shipNode') ?? 'default'}`, amount!);
        return gate.answer('inventory', request, { sku, quantity: { unit: 'EACH', amount } }, 200, headers);
      }),
    ),
  ];
  return fake;
}

export type FakeWalmart = ReturnType<typeof fakeWalmart>;
