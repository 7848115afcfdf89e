import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, scratchDir } from '../support/hub-process.ts';

/**
 * A scratch hub with one Shopify connection `shop` (these settings, secrets from the environment it returns),
 * migrated: the embedded server's first start (initdb) is done before any benchmark clock starts. On failure
 * the scratch folder and the fake shop are cleaned up.
 */
export function shopBackfillScratch(
  fake: { stop(): void },
  name: string,
  settings: Record<string, unknown>,
  token: string,
) {
  const scratch = scratchDir(`bench-${name}`);
  writeFileSync(
    join(scratch.dir, 'switchyard.config.ts'),
    `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'bench', name: 'Bench' }],
  connections: [{
    id: 'shop', tenant: 'bench', connector: 'shopify',
    settings: ${JSON.stringify(settings)},
    secrets: { clientSecret: env('BENCH_SHOPIFY_SECRET'), accessToken: env('BENCH_SHOPIFY_TOKEN') },
  }],
});`,
  );
  const env = { BENCH_SHOPIFY_SECRET: `shpss_bench_${name}`, BENCH_SHOPIFY_TOKEN: token };
  const migrated = cli(scratch.dir, ['migrate'], env);
  if (migrated.code !== 0) {
    scratch.remove();
    fake.stop();
    throw new Error(`migrate failed: ${migrated.stderr}`);
  }
  return { ...scratch, env };
}
