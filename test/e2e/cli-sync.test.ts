import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, repoRoot, scratchDir } from '../support/hub-process.ts';

/**
 * `switchyard sync` and `backfill` through the real binary (Node's ESM loader, not vitest's), against a
 * fake WooCommerce shop in another process: what a user runs.
 */
const scratch = scratchDir('cli-sync');
let db: TestDatabase;
let shop: ChildProcess;
let shopUrl: string;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  shop = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'connectors/woocommerce/test/fakes/woocommerce-server.ts')],
    {
      env: {
        ...process.env,
        WOO_FAKE_ORDERS: '30',
        WOO_FAKE_KEY: 'ck_cli_sync',
        WOO_FAKE_SECRET: 'cs_cli_sync',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  shopUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    shop.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    shop.once('exit', (code) => reject(new Error(`fake shop exited ${code}`)));
  });
  writeFileSync(
    join(scratch.dir, 'switchyard.config.ts'),
    `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'acme', name: 'Acme' }],
  connections: [{
    id: 'woo', tenant: 'acme', connector: 'woocommerce',
    settings: { siteUrl: ${JSON.stringify(shopUrl)}, pageSize: 10, requestsPerSecond: 50 },
    secrets: { webhookSecret: env('WOO_HOOK'), consumerKey: env('WOO_KEY'), consumerSecret: env('WOO_SECRET') },
  }],
});`,
  );
});
afterAll(async () => {
  shop?.kill('SIGTERM');
  await db?.drop();
  scratch.remove();
});

describe('switchyard sync and backfill', () => {
  const env = () => ({
    DATABASE_URL: db.url,
    WOO_HOOK: 'wc-hook-secret',
    WOO_KEY: 'ck_cli_sync',
    WOO_SECRET: 'cs_cli_sync',
  });

  it('pulls the shop’s orders and reports what the hub did not have', () => {
    const r = cli(scratch.dir, ['sync', 'woo'], env());
    expect(r.code, r.stderr).toBe(0);
    // Pages overlap by a second, so a few orders come twice and count as already received.
    expect(r.stdout.trim()).toMatch(
      /^woo: completed, \d+ orders pulled, 30 the hub did not have, \d+ already received, 0 exceptions$/,
    );
    expect(r.stderr).toMatch(/sync woo: \d+ pages, \d+ orders, 30 new to the hub/);
    // WooCommerce says how many remain, so the progress line carries an estimate.
    expect(r.stderr).toMatch(
      /sync woo: 1 pages, 10 orders, 10 new to the hub, \d+\/s, \d+ left, about \d+ s/,
    );
    const listed = JSON.parse(cli(scratch.dir, ['orders', 'list', '--json', '--limit', '100'], env()).stdout);
    expect(listed.orders).toHaveLength(30);
  });

  it('backfills from a date, finding nothing new the second time', () => {
    const r = cli(scratch.dir, ['backfill', 'woo', '--since', '2026-01-01', '--json'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed', missedByWebhooks: 0, exceptions: 0 });
  });

  it('exits with one line when the shop refuses the keys', () => {
    const r = cli(scratch.dir, ['sync', 'woo'], { ...env(), WOO_SECRET: 'cs_wrong', WOO_KEY: 'ck_wrong' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^switchyard: WooCommerce refused the API credentials for orders \(401\)/,
    );
  });
});
