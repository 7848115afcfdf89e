// A fake eBay in its own process, for the benchmark and tests that run the real `switchyard` binary: the msw
// handlers of ebay.ts served over HTTP, with eBay's daily Fulfillment API quota enforced at an even rate over a
// day shortened EBAY_FAKE_SCALE times (and advertised so by getRateLimits). Seeds EBAY_FAKE_ORDERS orders
// modified over the last 30 days, serves GET /__fake/stats (calls by operation, 429s, the quota), POST /__fake/sign
// (X-EBAY-SIGNATURE for a body) and GET /__fake/order-ids, prints `listening on <origin>`.
import { createServer } from '@mswjs/http-middleware';
import { HttpResponse, http } from 'msw';
import { fakeEbay } from './ebay.ts';
import { ebayOrder } from './orders.ts';

const port = Number(process.env.EBAY_FAKE_PORT ?? 0);
const count = Number(process.env.EBAY_FAKE_ORDERS ?? 10);
const options = {
  clientId: process.env.EBAY_FAKE_CLIENT_ID ?? 'fake-client-id',
  clientSecret: process.env.EBAY_FAKE_CLIENT_SECRET ?? 'fake-client-secret',
  refreshToken: process.env.EBAY_FAKE_REFRESH_TOKEN ?? 'fake-refresh-token',
  fulfillmentPerDay: Number(process.env.EBAY_FAKE_FULFILLMENT_PER_DAY ?? 100_000),
  timeScale: Number(process.env.EBAY_FAKE_SCALE ?? 1),
  burst: Number(process.env.EBAY_FAKE_BURST ?? 5),
};

/** `count` orders, one or two lines each, created and modified over the last 30 days, in creation order. */
function seed(fake: ReturnType<typeof fakeEbay>) {
  // Created over 30 days ending a day ago, so every order's last change (up to 6 hours later) is in the past.
  const now = Date.now() - 86_400_000;
  const span = 30 * 86_400_000;
  for (let i = 0; i < count; i++) {
    const created = new Date(now - span + Math.floor((i * span) / Math.max(1, count)));
    const modified = new Date(created.getTime() + 60_000 + (i % 7) * 3_600_000);
    const id = `${10 + (i % 90)}-${10_000 + Math.floor(i / 100_000)}-${String(i % 100_000).padStart(5, '0')}`;
    const lines = [
      {
        lineItemId: `1${String(i).padStart(10, '0')}1`,
        sku: `SKU-${i % 250}`,
        quantity: 1 + (i % 3),
        price: 999 + (i % 50) * 100,
        shipping: 495,
        tax: 120,
      },
      ...(i % 4 === 0
        ? [
            {
              lineItemId: `1${String(i).padStart(10, '0')}2`,
              sku: `SKU-${(i + 7) % 250}`,
              quantity: 1,
              price: 1500,
              tax: 45,
            },
          ]
        : []),
    ];
    const order = ebayOrder({
      orderId: id,
      creationDate: created.toISOString(),
      lastModifiedDate: modified.toISOString(),
      lines,
      collectAndRemit: true,
    });
    fake.state.orders.set(order.orderId, order);
  }
}

// The handlers match one origin; the server learns its port only after listening, so it is bound twice.
const probe = createServer().listen(port, '127.0.0.1', () => {
  const { port: actual } = probe.address() as { port: number };
  probe.close(() => {
    const origin = `http://127.0.0.1:${actual}`;
    const fake = fakeEbay({ apiOrigin: origin, ...options });
    seed(fake);
    const stats = http.get(`${origin}/__fake/stats`, () =>
      HttpResponse.json({
        calls: fake.state.calls,
        throttled: fake.state.throttled,
        firstThrottledCall: fake.state.firstThrottledCall,
        firstCallAt: fake.state.firstCallAt,
        lastCallAt: fake.state.lastCallAt,
        fulfillmentQuota: fake.state.quotas.fulfillment.rate(),
        orders: fake.state.orders.size,
      }),
    );
    // For a bench that pushes notifications from outside: eBay's signature for a body, and the seeded order ids.
    const signature = http.post(`${origin}/__fake/sign`, async ({ request }) =>
      HttpResponse.json(fake.signatureHeaders(new Uint8Array(await request.arrayBuffer()))),
    );
    const ids = http.get(`${origin}/__fake/order-ids`, ({ request }) => {
      const limit = Number(new URL(request.url).searchParams.get('limit') ?? 100);
      return HttpResponse.json([...fake.state.orders.keys()].slice(0, limit));
    });
    createServer(stats, signature, ids, ...fake.handlers).listen(actual, '127.0.0.1', () => {
      process.stdout.write(`listening on ${origin}\n`);
    });
  });
});
process.on('SIGTERM', () => process.exit(0));
