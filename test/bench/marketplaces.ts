import { amazonBackfillBench } from './marketplaces-amazon.ts';
import { ebayBackfillBench } from './marketplaces-ebay.ts';
import { notificationLatencyBench } from './marketplaces-latency.ts';
import { walmartBackfillBench } from './marketplaces-walmart.ts';

/**
 * Marketplaces (issue 14, "Benchmark"): a backfill of `orders` orders from each marketplace's fake, the fake
 * enforcing the vendor's documented rate limits (time-scaled: each bench prints its factor), as a fraction of the
 * bound those limits allow and with the 429s received; then the end-to-end latency from notification to stored
 * order under 50 notifications a second (Amazon's SQS queue and eBay's pushes). `BENCH_ONLY=amazon,ebay,latency`
 * runs a part.
 */
export async function marketplacesBench(orders: number): Promise<Record<string, unknown>> {
  const only = process.env.BENCH_ONLY?.split(',');
  const runs: [string, () => Promise<Record<string, unknown>>][] = [
    ['amazon', () => amazonBackfillBench(orders)],
    ['ebay', () => ebayBackfillBench(orders)],
    ['walmart', () => walmartBackfillBench(orders)],
    [
      'latency',
      () =>
        notificationLatencyBench({
          perSecond: Number(process.env.BENCH_NOTIFICATIONS_PER_SECOND ?? 50),
          seconds: Number(process.env.BENCH_SECONDS ?? 20),
        }),
    ],
  ];
  const result: Record<string, unknown> = {};
  for (const [name, run] of runs) {
    if (only && !only.includes(name)) continue;
    process.stdout.write(`marketplaces: ${name}…\n`);
    result[name] = await run();
    process.stdout.write(`marketplaces: ${name}: ${JSON.stringify(result[name])}\n`);
  }
  return result;
}
