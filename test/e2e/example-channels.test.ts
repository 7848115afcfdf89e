import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shopifySignature } from '@switchyard/connector-shopify';
import { wooSignature } from '@switchyard/connector-woocommerce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFake } from '../support/fake-process.ts';
import { cli, type HubProcess, repoRoot, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * The example config's Shopify and WooCommerce connections, end to end through the real binary on
 * embedded PostgreSQL, pointed at fake shops running in their own processes: webhooks, then the poll.
 */
const scratch = scratchDir('example-channels');
let hub: HubProcess | undefined;
let fakes: { origin: string; stop(): void }[] = [];
let env: Record<string, string | undefined> = {};

beforeAll(async () => {
  const shopify = await startFake('../../connectors/shopify/test/fakes/shopify-server.ts', {
    SHOPIFY_FAKE_TOKEN: 'shpat_example_e2e',
    SHOPIFY_FAKE_ORDERS: '12',
    SHOPIFY_FAKE_RESTORE_RATE: '1000',
  });
  const woo = await startFake('../../connectors/woocommerce/test/fakes/woocommerce-server.ts', {
    WOO_FAKE_KEY: 'ck_example_e2e',
    WOO_FAKE_SECRET: 'cs_example_e2e',
    WOO_FAKE_ORDERS: '8',
  });
  fakes = [shopify, woo];
  env = {
    DATABASE_URL: undefined,
    SHOPIFY_API_ORIGIN: shopify.origin,
    SHOPIFY_ACCESS_TOKEN: 'shpat_example_e2e',
    WOO_SITE_URL: woo.origin,
    WOO_CONSUMER_KEY: 'ck_example_e2e',
    WOO_CONSUMER_SECRET: 'cs_example_e2e',
  };
  hub = await startHub(scratch.dir, env);
});
afterAll(async () => {
  if (hub && hub.child.exitCode === null) {
    hub.child.kill('SIGTERM');
    await hub.exited;
  }
  for (const f of fakes) f.stop();
  scratch.remove();
});

const orders = () =>
  JSON.parse(cli(scratch.dir, ['orders', 'list', '--json', '--limit', '100'], env).stdout).orders as {
    connectionId: string;
  }[];

describe('the example config’s channels', () => {
  it('takes a Shopify and a WooCommerce webhook, signed with the development secrets', async () => {
    const shopBody = readFileSync(join(repoRoot, 'connectors/shopify/test/fixtures/orders-create.json'));
    const shop = await fetch(`${hub!.url}/webhooks/shop`, {
      method: 'POST',
      body: shopBody,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'switchyard-demo.myshopify.com',
        'x-shopify-webhook-id': 'example-1',
        'x-shopify-hmac-sha256': shopifySignature('dev-shopify-secret', shopBody),
      },
    });
    expect(shop.status).toBe(200);
    const wooBody = readFileSync(join(repoRoot, 'connectors/woocommerce/test/fixtures/order-created.json'));
    const woo = await fetch(`${hub!.url}/webhooks/woo`, {
      method: 'POST',
      body: wooBody,
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-signature': wooSignature('dev-woo-secret', wooBody),
      },
    });
    expect(woo.status).toBe(200);
    expect(
      orders()
        .map((o) => o.connectionId)
        .sort(),
    ).toEqual(['shop', 'woo']);
  });

  it('fills in what webhooks never brought by polling both shops', () => {
    const shop = cli(scratch.dir, ['sync', 'shop', '--json'], env);
    expect(shop.code, shop.stderr).toBe(0);
    expect(JSON.parse(shop.stdout)).toMatchObject({
      status: 'completed',
      missedByWebhooks: 12,
      exceptions: 0,
    });
    const woo = cli(scratch.dir, ['sync', 'woo', '--json'], env);
    expect(woo.code, woo.stderr).toBe(0);
    expect(JSON.parse(woo.stdout)).toMatchObject({ status: 'completed', missedByWebhooks: 8, exceptions: 0 });
    expect(orders()).toHaveLength(2 + 12 + 8);
    // Run again: nothing new.
    expect(JSON.parse(cli(scratch.dir, ['sync', 'shop', '--json'], env).stdout)).toMatchObject({
      missedByWebhooks: 0,
    });
  });

  it('backfills the Shopify shop through a bulk export, finding what the poll already took', () => {
    const run = cli(scratch.dir, ['backfill', 'shop', '--since', '2026-01-01', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      records: 12,
      missedByWebhooks: 0,
      alreadyReceived: 12,
      exceptions: 0,
      cursor: null,
    });
    // Plain progress lines off a terminal, the last with nothing left.
    expect(run.stderr).toMatch(/backfill shop: \d+ pages, 12 orders, 0 new to the hub, \d+\/s, 0 left/);
    expect(orders()).toHaveLength(2 + 12 + 8);
  });
});
