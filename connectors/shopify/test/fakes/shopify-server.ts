// A fake Shopify GraphQL Admin API in its own process, for tests and benchmarks that run the real
// `switchyard` binary (point the connection's settings.apiOrigin at it). Seeds SHOPIFY_FAKE_ORDERS orders.

import { createServer } from '@mswjs/http-middleware';
import { HttpResponse, http } from 'msw';
import { API_VERSION } from '../../src/client.ts';
import { fakeShopify, shopifyNode } from './shopify.ts';

const token = process.env.SHOPIFY_FAKE_TOKEN ?? 'shpat_fake';
const count = Number(process.env.SHOPIFY_FAKE_ORDERS ?? 10);
const restoreRate = Number(process.env.SHOPIFY_FAKE_RESTORE_RATE ?? 100);
const probe = createServer().listen(Number(process.env.SHOPIFY_FAKE_PORT ?? 0), '127.0.0.1', () => {
  const { port } = probe.address() as { port: number };
  probe.close(() => {
    const origin = `http://127.0.0.1:${port}`;
    const fake = fakeShopify('unused.myshopify.com', API_VERSION, token, {
      max: 1000,
      restoreRate,
      costPerNode: Number(process.env.SHOPIFY_FAKE_COST_PER_NODE ?? 10),
      origin,
    });
    // Bulk exports complete at the first status poll unless told otherwise.
    fake.bulk.runningPolls = Number(process.env.SHOPIFY_FAKE_BULK_RUNNING_POLLS ?? 0);
    for (let i = 1; i <= count; i++) {
      fake.nodes.push(
        shopifyNode(
          `9007199254${String(740000 + i)}`,
          new Date(Date.UTC(2026, 10, 20, 8, 0, i)).toISOString(),
        ),
      );
    }
    // What the fake saw, for benchmarks in another process: GraphQL calls, and those answered THROTTLED.
    const stats = http.get(`${origin}/__fake/stats`, () =>
      HttpResponse.json({
        calls: fake.calls.length,
        throttled: fake.calls.filter((c) => c.throttled).length,
        firstThrottledCall: fake.calls.findIndex((c) => c.throttled),
      }),
    );
    createServer(...fake.handlers, stats).listen(port, '127.0.0.1', () =>
      process.stdout.write(`listening on ${origin}\n`),
    );
  });
});
process.on('SIGTERM', () => process.exit(0));
