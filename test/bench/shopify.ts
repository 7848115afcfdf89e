import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shopifySignature } from '@switchyard/connector-shopify';
import { repoRoot } from '../support/hub-process.ts';
import { measureWebhooks } from './intake.ts';

const SHOP = 'bench-demo.myshopify.com';
const SECRET = 'shpss_bench_0123456789';

/**
 * Shopify orders/create webhooks at their real size (the test fixture: a multi-currency order with taxes,
 * discounts, a fulfillment and a refund, ~9 KB), each a distinct order and delivery, signed as Shopify signs.
 */
export function shopifyWebhookBench(durationS = 10, workers = 1) {
  const template = readFileSync(
    join(repoRoot, 'connectors/shopify/test/fixtures/orders-create.json'),
    'utf8',
  );
  const orderId = '5923847102938475623';
  const runId = String(Date.now() % 1_000_000).padStart(6, '0');
  return measureWebhooks(
    {
      name: 'shopify-webhooks',
      config: `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'bench', name: 'Bench' }],
  connections: [{ id: 'shop', tenant: 'bench', connector: 'shopify', settings: { shop: '${SHOP}' }, secrets: { clientSecret: env('BENCH_SHOPIFY_SECRET') } }],
});`,
      env: { BENCH_SHOPIFY_SECRET: SECRET },
      secret: SECRET,
      path: '/webhooks/shop',
      signed: (n) => {
        // A distinct order id beyond 2^53 for every delivery, as Shopify's are.
        const id = `59${runId}${String(n).padStart(11, '0')}`;
        const body = template.replaceAll(orderId, id);
        return {
          body,
          headers: {
            'content-type': 'application/json',
            'x-shopify-topic': 'orders/create',
            'x-shopify-shop-domain': SHOP,
            'x-shopify-webhook-id': `bench-${runId}-${n}`,
            'x-shopify-hmac-sha256': shopifySignature(SECRET, body),
          },
        };
      },
      targets: { perSecond: 3000 },
    },
    durationS,
    workers,
  );
}
