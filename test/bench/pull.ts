import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_VERSION, shopify } from '@switchyard/connector-shopify';
import { startFake } from '../support/fake-process.ts';
import { cli, scratchDir } from '../support/hub-process.ts';

const TOKEN = 'shpat_bench_pull_0123456789';

/**
 * `switchyard backfill` from the Shopify GraphQL Admin API: the real binary against the fake shop in its own
 * process, its throttle opened wide (the throttle is a shop's, not the hub's, and is tested elsewhere), so the
 * figure is what the hub does with each page: store raw, normalize, upsert, commit the cursor. The baseline is
 * the same pages fetched in this process through the connector's pull without storing anything: the wire and
 * parse cost that no persistence can beat.
 */
export async function pullBench(orders = 10_000, pageSize = 90) {
  const fake = await startFake('shopify-server.ts', {
    SHOPIFY_FAKE_TOKEN: TOKEN,
    SHOPIFY_FAKE_ORDERS: String(orders),
    SHOPIFY_FAKE_RESTORE_RATE: '1000000000',
  });
  const scratch = scratchDir('bench-pull');
  try {
    writeFileSync(
      join(scratch.dir, 'switchyard.config.ts'),
      `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'bench', name: 'Bench' }],
  connections: [{
    id: 'shop', tenant: 'bench', connector: 'shopify',
    settings: { shop: 'bench-pull.myshopify.com', apiOrigin: '${fake.origin}', pageSize: ${pageSize} },
    secrets: { clientSecret: env('BENCH_SHOPIFY_SECRET'), accessToken: env('BENCH_SHOPIFY_TOKEN') },
  }],
});`,
    );
    const env = { BENCH_SHOPIFY_SECRET: 'shpss_bench_pull', BENCH_SHOPIFY_TOKEN: TOKEN };
    // The embedded server's first start (initdb) is not the backfill's: done before the clock starts.
    const migrated = cli(scratch.dir, ['migrate'], env);
    if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);

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
