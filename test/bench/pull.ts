import { API_VERSION, shopify } from '@switchyard/connector-shopify';
import { startFake } from '../support/fake-process.ts';
import { cli } from '../support/hub-process.ts';
import { shopBackfillScratch } from './shop-scratch.ts';

const TOKEN = 'shpat_bench_pull_0123456789';

/**
 * `switchyard backfill` from the Shopify GraphQL Admin API: the real binary against the fake shop in its own
 * process, its throttle opened wide (the throttle is a shop's, not the hub's, and is tested elsewhere), so the
 * figure is what the hub does with each page: store raw, normalize, upsert, commit the cursor. The baseline is
 * the same pages fetched in this process through the connector's pull without storing anything: the wire and
 * parse cost that no persistence can beat.
 */
export async function pullBench(orders = 10_000, pageSize = 90) {
  const fake = await startFake('../../connectors/shopify/test/fakes/shopify-server.ts', {
    SHOPIFY_FAKE_TOKEN: TOKEN,
    SHOPIFY_FAKE_ORDERS: String(orders),
    SHOPIFY_FAKE_RESTORE_RATE: '1000000000',
  });
  const scratch = shopBackfillScratch(
    fake,
    'pull',
    { shop: 'bench-pull.myshopify.com', apiOrigin: fake.origin, pageSize, bulkBackfill: false },
    TOKEN,
  );
  const { env } = scratch;
  try {
    const baselineStart = performance.now();
    let fetched = 0;
    const settings = shopify.settings.parse({
      shop: 'bench-pull.myshopify.com',
      apiOrigin: fake.origin,
      pageSize,
    });
    for await (const page of shopify.pull!(
      {
        tenantId: 'bench',
        connectionId: 'shop',
        settings,
        secrets: { clientSecret: 'x', accessToken: TOKEN },
        now: () => new Date(),
      },
      { signal: new AbortController().signal, since: new Date('2026-01-01T00:00:00Z') },
    )) {
      fetched += page.records.length;
    }
    const baselineS = (performance.now() - baselineStart) / 1000;

    const start = performance.now();
    const run = cli(scratch.dir, ['backfill', 'shop', '--since', '2026-01-01', '--json'], env);
    const wallS = (performance.now() - start) / 1000;
    if (run.code !== 0) throw new Error(`backfill failed: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as { records: number; exceptions: number; pages: number };
    if (report.records !== orders || fetched !== orders || report.exceptions !== 0) {
      throw new Error(
        `expected ${orders} orders, the hub took ${report.records} and the baseline ${fetched}`,
      );
    }
    const perSecond = Math.round(orders / wallS);
    const baselinePerSecond = Math.round(fetched / baselineS);
    return {
      orders,
      pageSize,
      pages: report.pages,
      seconds: Number(wallS.toFixed(2)),
      perSecond,
      baselinePerSecond,
      ratioToBaseline: Number((perSecond / baselinePerSecond).toFixed(2)),
      apiVersion: API_VERSION,
      note: 'wall time of the CLI process includes its start (config, embedded PostgreSQL already initialised)',
    };
  } finally {
    fake.stop();
    scratch.remove();
  }
}

/**
 * A paged GraphQL backfill against the fake shop enforcing Shopify's cost budget: a bucket of 1,000 points,
 * restored at `restoreRate` points/s, each order costing `costPerNode` points and each query 2 more. The bound
 * is the time the budget needs for the points spent beyond the bucket's initial 1,000; the figure is how close
 * the hub's pacing comes to it, and how many calls the fake answered THROTTLED (the hub paces by
 * `extensions.cost.throttleStatus`, so it should be none).
 */
export async function budgetBench(orders = 5_000, pageSize = 250, restoreRate = 100, costPerNode = 1) {
  const fake = await startFake('../../connectors/shopify/test/fakes/shopify-server.ts', {
    SHOPIFY_FAKE_TOKEN: TOKEN,
    SHOPIFY_FAKE_ORDERS: String(orders),
    SHOPIFY_FAKE_RESTORE_RATE: String(restoreRate),
    SHOPIFY_FAKE_COST_PER_NODE: String(costPerNode),
  });
  const scratch = shopBackfillScratch(
    fake,
    'budget',
    { shop: 'bench-budget.myshopify.com', apiOrigin: fake.origin, pageSize, bulkBackfill: false },
    TOKEN,
  );
  const { env } = scratch;
  try {
    const start = performance.now();
    const run = cli(scratch.dir, ['backfill', 'shop', '--since', '2026-01-01', '--json'], env, 3_600_000);
    const wallS = (performance.now() - start) / 1000;
    if (run.code !== 0) throw new Error(`backfill failed: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as { records: number; exceptions: number; pages: number };
    if (report.records !== orders || report.exceptions !== 0) {
      throw new Error(`expected ${orders} orders, the hub took ${report.records}`);
    }
    const stats = (await (await fetch(`${fake.origin}/__fake/stats`)).json()) as {
      calls: number;
      throttled: number;
      firstThrottledCall: number;
    };
    // Points the backfill spent (each page 2 + its orders), less the bucket's initial fill, at the restore rate.
    const points = report.pages * 2 + orders * costPerNode;
    const boundS = Math.max(0, points - 1000) / restoreRate;
    const perSecond = orders / wallS;
    const boundPerSecond = orders / boundS;
    return {
      orders,
      pageSize,
      restoreRate,
      costPerNode,
      pages: report.pages,
      seconds: Number(wallS.toFixed(2)),
      perSecond: Number(perSecond.toFixed(2)),
      boundPerSecond: Number(boundPerSecond.toFixed(2)),
      fractionOfBound: Number((perSecond / boundPerSecond).toFixed(3)),
      graphqlCalls: stats.calls,
      throttled: stats.throttled,
      targets: { fractionOfBound: 0.9, throttledAfterFirst: 0 },
      apiVersion: API_VERSION,
      note: 'wall time of the CLI process, start included; BENCH_ORDERS=100000 is the full size (about 17 minutes at 100 points/s)',
    };
  } finally {
    fake.stop();
    scratch.remove();
  }
}
