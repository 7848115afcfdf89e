// A fake WooCommerce shop in its own process, for tests and benchmarks that run the real `switchyard`
// binary (test/e2e/cli-sync.test.ts, example-channels.test.ts): the msw handlers of woocommerce.ts served over
// HTTP. Seeds WOO_FAKE_ORDERS orders, prints `listening on <origin>`.
import { createServer } from '@mswjs/http-middleware';
import { fakeWooCommerce, wooOrder } from './woocommerce.ts';

const port = Number(process.env.WOO_FAKE_PORT ?? 0);
const key = process.env.WOO_FAKE_KEY ?? 'ck_fake';
const secret = process.env.WOO_FAKE_SECRET ?? 'cs_fake';
const count = Number(process.env.WOO_FAKE_ORDERS ?? 10);
// The handlers match one origin; the server learns its port only after listening, so it is bound twice.
const probe = createServer().listen(port, '127.0.0.1', () => {
  const { port: actual } = probe.address() as { port: number };
  probe.close(() => {
    const fake = fakeWooCommerce(`http://127.0.0.1:${actual}`, key, secret);
    for (let i = 1; i <= count; i++)
      fake.orders.push(
        wooOrder(
          1000 + i,
          `2026-11-20T08:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
        ),
      );
    createServer(...fake.handlers).listen(actual, '127.0.0.1', () => {
      process.stdout.write(`listening on http://127.0.0.1:${actual}\n`);
    });
  });
});
process.on('SIGTERM', () => process.exit(0));
