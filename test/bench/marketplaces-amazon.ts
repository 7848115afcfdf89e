import { CREDENTIALS } from '@switchyard/connector-amazon/testing';
import { timedBackfill } from './backfill-scratch.ts';

/** searchOrders' documented usage plan (amzn/selling-partner-api-models orders_2026-01-01.json). */
const SEARCH_RATE = 0.0056;
const SEARCH_BURST = 20;
const PAGE = 100;

interface FakeStats {
  byOperation: Record<string, { calls: number; throttled: number }>;
  throttled: number;
  throttledAfterFirst: number;
  searchSpanMs: number;
  throttledSearches: { call: number; ms: number }[];
}

/**
 * `switchyard backfill` of Amazon orders through the hub's real sync path (the binary, a throwaway database)
 * from a fake SP-API in its own process that enforces every operation's documented token bucket. searchOrders
 * restores one call per 180 s after a burst of 20: 20,000 orders (200 pages) would take nine hours, so the fake
 * runs the rates times `scale` and states the scaled rate in `x-amzn-RateLimit-Limit`, as Amazon states a
 * seller's own; the connector paces by that header, not by any setting. The bound is the time the scaled limits
 * need for the pages beyond the burst; the figure is how close the backfill comes to it, and how many calls were
 * refused 429 (the goal: none after the first).
 */
export async function amazonBackfillBench(orders = 20_000, scale = 360): Promise<Record<string, unknown>> {
  const { seconds: wallS, stats } = await timedBackfill<FakeStats>({
    connector: 'amazon',
    fake: {
      script: '../../connectors/amazon/test/fakes/amazon-server.ts',
      env: { AMAZON_FAKE_ORDERS: String(orders), AMAZON_FAKE_SCALE: String(scale), AMAZON_FAKE_DAYS: '7' },
    },
    settings: (origin) => ({
      sellerId: 'A3SELLERFAKE01',
      marketplaceIds: ['ATVPDKIKX0DER'],
      endpoint: origin,
      tokenUrl: `${origin}/auth/o2/token`,
      pageSize: PAGE,
    }),
    secrets: {
      clientId: CREDENTIALS.clientId,
      clientSecret: CREDENTIALS.clientSecret,
      refreshToken: CREDENTIALS.refreshToken,
    },
    orders,
    exactly: true,
    sinceDays: 8,
  });
  const searches = stats.byOperation.searchOrders?.calls ?? 0;
  const rate = SEARCH_RATE * scale;
  // The pages the backfill needs (a throttled call is not a page), less the burst, at the scaled restore rate.
  const pages = Math.ceil(orders / PAGE);
  const boundS = Math.max(0, pages - SEARCH_BURST) / rate;
  const perSecond = orders / wallS;
  return {
    orders,
    pages,
    seconds: Number(wallS.toFixed(2)),
    ordersPerSecond: Number(perSecond.toFixed(1)),
    boundSeconds: Number(boundS.toFixed(2)),
    boundOrdersPerSecond: Number((orders / boundS).toFixed(1)),
    fractionOfBound: Number((boundS / wallS).toFixed(3)),
    // The same, from the first searchOrders call to the last (the CLI's start and the last page's store left out).
    fractionOfBoundAtTheApi: Number((boundS / Math.max(stats.searchSpanMs / 1000, 0.001)).toFixed(3)),
    rateScale: scale,
    searchOrdersRate: `${rate.toFixed(4)}/s (documented ${SEARCH_RATE}/s × ${scale}), burst ${SEARCH_BURST}`,
    throttled: stats.throttled,
    throttledAfterFirst: stats.throttledAfterFirst,
    throttledCalls: stats.throttledSearches,
    callsByOperation: Object.fromEntries(Object.entries(stats.byOperation).map(([op, s]) => [op, s.calls])),
    searchCalls: searches,
    targets: { fractionOfBound: 0.9, throttledAfterFirst: 0 },
    note: 'wall time of the CLI process, start included; the fake enforces every operation’s documented usage plan, rates × rateScale',
  };
}
