import { timedBackfill } from './backfill-scratch.ts';

/**
 * eBay's limits: a daily call quota per application per API, not a rate. The Fulfillment API's default is
 * 100,000 calls a day (eBay's "API Call Limits" page, Sell APIs), and getOrders returns at most 200 orders a
 * call. Spread evenly over the day (how the connector paces itself, from getRateLimits' `limit / timeWindow`),
 * that is 100,000 / 86,400 = 1.157 calls/s, 231 orders/s: 20,000 orders in 86 s, so the bench runs eBay's quota
 * as it is (`scale` 1). The fake enforces it as that even rate (a burst of 5 tolerated, 429 with eBay's error 2001
 * beyond) over a day `scale` times shorter when asked, and advertises the window in getRateLimits as eBay does;
 * the connector reads it there, not from a setting.
 */
const PER_DAY = 100_000;
const PAGE = 200;
const secrets = {
  clientId: 'Bench-Switchya-PRD-0a1b2c3d4-5e6f7a8b',
  clientSecret: 'PRD-0a1b2c3d4e5f-6a7b-8c9d-0e1f-2a3b',
  refreshToken: 'v^1.1#i^1#r^1#p^3#I^3#f^0#t^bench-refresh-token-0123456789',
};

interface FakeStats {
  calls: Record<string, number>;
  throttled: number;
  firstThrottledCall: number;
  fulfillmentQuota: { limit: number; timeWindow: number };
  firstCallAt: number;
  lastCallAt: number;
}

/**
 * `switchyard backfill` of `orders` eBay orders from the fake in its own process, through the hub's real sync
 * path (the binary, on a throwaway embedded database), against the scaled quota. Reports the rate achieved
 * against the bound the quota allows, and the 429s the fake answered.
 */
export async function ebayBackfillBench(orders = 20_000, scale = 1): Promise<Record<string, unknown>> {
  const { report, seconds, startedAt, stats } = await timedBackfill<FakeStats>({
    connector: 'ebay',
    fake: {
      script: '../../connectors/ebay/test/fakes/ebay-server.ts',
      env: {
        EBAY_FAKE_ORDERS: String(orders),
        EBAY_FAKE_SCALE: String(scale),
        EBAY_FAKE_FULFILLMENT_PER_DAY: String(PER_DAY),
        EBAY_FAKE_CLIENT_ID: secrets.clientId,
        EBAY_FAKE_CLIENT_SECRET: secrets.clientSecret,
        EBAY_FAKE_REFRESH_TOKEN: secrets.refreshToken,
      },
    },
    settings: (origin) => ({ apiOrigin: origin, pageSize: PAGE }),
    secrets,
    orders,
    sinceDays: 60,
  });
  // The bound: the pages a backfill needs, at the quota's even rate (as the fake advertises it).
  const callsPerSecond = stats.fulfillmentQuota.limit / stats.fulfillmentQuota.timeWindow;
  const pagesNeeded = Math.ceil(orders / PAGE);
  const boundSeconds = pagesNeeded / callsPerSecond;
  const perSecond = orders / seconds;
  const boundPerSecond = orders / boundSeconds;
  const callingSeconds = (stats.lastCallAt - stats.firstCallAt) / 1000;
  return {
    orders,
    pageSize: PAGE,
    pages: report.pages,
    seconds: Number(seconds.toFixed(2)),
    // From the process's start to its first call to eBay (config, database, token), and from the first call
    // to the last: the part the quota bounds.
    startSeconds: Number(((stats.firstCallAt - startedAt) / 1000).toFixed(2)),
    callingSeconds: Number(callingSeconds.toFixed(2)),
    perSecond: Number(perSecond.toFixed(1)),
    bound: `Fulfillment API ${PER_DAY.toLocaleString('en-US')} calls/day (eBay default) = ${(PER_DAY / 86_400).toFixed(3)} calls/s × ${PAGE} orders/page = ${((PER_DAY / 86_400) * PAGE).toFixed(0)} orders/s; the fake runs it ×${scale}: ${callsPerSecond.toFixed(3)} calls/s (getRateLimits: ${stats.fulfillmentQuota.limit} per ${stats.fulfillmentQuota.timeWindow} s)`,
    boundPerSecond: Number(boundPerSecond.toFixed(1)),
    fractionOfBound: Number((perSecond / boundPerSecond).toFixed(3)),
    // The pacing alone: the least time the quota allows between the first and the last getOrders call, over
    // the time they took (the rest of the wall time is the process's start).
    pacingFraction: Number(((pagesNeeded - 1) / callsPerSecond / callingSeconds).toFixed(3)),
    throttled: stats.throttled,
    firstThrottledCall: stats.firstThrottledCall || null,
    callsByOperation: stats.calls,
    targets: { fractionOfBound: 0.9, throttledAfterFirst: 0 },
    note: 'seconds: wall time of the CLI process, its start (embedded PostgreSQL, config) included',
  };
}
