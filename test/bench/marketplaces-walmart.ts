import { timedBackfill } from './backfill-scratch.ts';

/**
 * Walmart's limits: a token bucket per seller and API, its size the calls allowed per minute, replenished
 * evenly; GET /v3/orders (what a backfill walks) is documented at 5,000 calls a minute, 200 orders a call
 * (developer.walmart.com/us-marketplace/docs/throttling, through a third-party transcription; see the
 * connector's throttle.ts). At that rate the 100 calls of 20,000 orders fit in the full bucket: the limit would
 * not bind, and the figure would be the hub's own speed. So the fake runs the documented rates `scale` times
 * (0.01: a bucket of 50 calls, refilled at 50 a minute) and says so the way Walmart does, in
 * X-Current-Token-Count and X-Next-Replenishment-Time on every answer; the connector paces itself by those.
 */
const PER_MINUTE = 5000;
const PAGE = 200;
const secrets = {
  clientId: 'bench-walmart-client-id-0123',
  clientSecret: 'bench-walmart-client-secret-0123',
};

interface FakeStats {
  calls: number;
  byOperation: Record<string, number>;
  throttled: number;
  firstThrottledCall: number;
  scale: number;
  perMinute: Record<string, number>;
}

/**
 * `switchyard backfill` of `orders` Walmart orders from the fake in its own process, through the hub's real sync
 * path (the binary, on a throwaway embedded database), against the scaled buckets. Reports the rate achieved
 * against the bound the buckets allow (the calls beyond the first bucketful, at its refill rate), and the 429s.
 */
export async function walmartBackfillBench(orders = 20_000, scale = 0.01): Promise<Record<string, unknown>> {
  const { report, seconds, stats } = await timedBackfill<FakeStats>({
    connector: 'walmart',
    fake: {
      script: '../../connectors/walmart/test/fakes/walmart-server.ts',
      env: {
        WALMART_FAKE_ORDERS: String(orders),
        WALMART_FAKE_RATE_SCALE: String(scale),
        WALMART_FAKE_CLIENT_ID: secrets.clientId,
        WALMART_FAKE_CLIENT_SECRET: secrets.clientSecret,
      },
    },
    settings: (origin) => ({ apiOrigin: origin, pageSize: PAGE }),
    secrets,
    orders,
    sinceDays: 60,
  });
  // The bound: the pages a backfill needs, less the first bucketful, at the bucket's refill rate.
  const bucket = stats.perMinute.orders!;
  const pagesNeeded = Math.ceil(orders / PAGE);
  const boundSeconds = Math.max(0, pagesNeeded - bucket) / (bucket / 60);
  const perSecond = orders / seconds;
  const boundPerSecond = orders / boundSeconds;
  return {
    orders,
    pageSize: PAGE,
    pages: report.pages,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Number(perSecond.toFixed(1)),
    bound: `GET /v3/orders ${PER_MINUTE.toLocaleString('en-US')} calls/min (documented) × ${PAGE} orders/call; the fake runs rates ×${scale}: a bucket of ${bucket} calls refilled at ${bucket}/min, so ${pagesNeeded} calls need ${boundSeconds.toFixed(1)} s beyond the first ${bucket}`,
    boundPerSecond: Number(boundPerSecond.toFixed(1)),
    fractionOfBound: Number((perSecond / boundPerSecond).toFixed(3)),
    throttled: stats.throttled,
    firstThrottledCall: stats.firstThrottledCall >= 0 ? stats.firstThrottledCall : null,
    callsByOperation: stats.byOperation,
    targets: { fractionOfBound: 0.9, throttledAfterFirst: 0 },
    note: `wall time of the CLI process, its start included; at the documented rate the ${pagesNeeded} calls fit in one bucket (no wait: the hub's own speed is the figure)`,
  };
}
