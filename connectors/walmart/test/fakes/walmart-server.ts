// The Walmart Marketplace fake in a process of its own, for benchmarks and tests that run the hub elsewhere (point
// the connection's settings.apiOrigin at it). Seeds WALMART_FAKE_ORDERS purchase orders placed over the last 30
// days (a third shipped, a tenth cancelled), enforces Walmart's throttling at WALMART_FAKE_RATE_SCALE times the
// documented rates, and prints `listening on <origin>`. GET /__fake/stats tells what it answered.
import { createServer } from '@mswjs/http-middleware';
import { HttpResponse, http } from 'msw';
import { DOCUMENTED } from './buckets.ts';
import { walmartOrder } from './orders.ts';
import { fakeWalmart } from './walmart.ts';

const count = Number(process.env.WALMART_FAKE_ORDERS ?? 10);
const scale = Number(process.env.WALMART_FAKE_RATE_SCALE ?? 1);
const DAY = 86_400_000;
const probe = createServer().listen(Number(process.env.WALMART_FAKE_PORT ?? 0), '127.0.0.1', () => {
  const { port } = probe.address() as { port: number };
  probe.close(() => {
    const origin = `http://127.0.0.1:${port}`;
    const fake = fakeWalmart({
      origin,
      rateScale: scale,
      ...(process.env.WALMART_FAKE_CLIENT_ID ? { clientId: process.env.WALMART_FAKE_CLIENT_ID } : {}),
      ...(process.env.WALMART_FAKE_CLIENT_SECRET
        ? { clientSecret: process.env.WALMART_FAKE_CLIENT_SECRET }
        : {}),
    });
    const start = Date.now() - 30 * DAY;
    for (let i = 0; i < count; i++) {
      const placed = start + Math.floor((i * 29 * DAY) / Math.max(1, count));
      const order = walmartOrder(String(1_700_000_000_000 + i), {
        orderDate: placed,
        lines: [
          { lineNumber: '1', sku: `SKU-${i % 50}`, price: 19.98, tax: 1.65, shipping: 4.99, quantity: 2 },
          { lineNumber: '2', sku: `SKU-${(i + 7) % 50}`, price: 7.5, tax: 0.62 },
        ],
      });
      const status = order.orderLines.orderLine[0]!.orderLineStatuses.orderLineStatus[0]!;
      if (i % 3 === 0) {
        status.status = 'Shipped';
        status.trackingInfo = {
          shipDateTime: placed + DAY,
          carrierName: { carrier: 'USPS' },
          methodCode: 'Standard',
          trackingNumber: `9400${String(i).padStart(18, '0')}`,
        };
      } else if (i % 10 === 1) {
        status.status = 'Cancelled';
        status.cancellationReason = 'SELLER_CANCEL_OUT_OF_STOCK';
      }
      fake.put(order, placed + 3_600_000);
    }
    const stats = http.get(`${origin}/__fake/stats`, () =>
      HttpResponse.json({
        ...fake.stats(),
        scale,
        perMinute: Object.fromEntries(
          Object.keys(DOCUMENTED).map((op) => [op, fake.buckets.perMinute(op as never)]),
        ),
      }),
    );
    createServer(...fake.handlers, stats).listen(port, '127.0.0.1', () =>
      process.stdout.write(`listening on ${origin}\n`),
    );
  });
});
process.on('SIGTERM', () => process.exit(0));
