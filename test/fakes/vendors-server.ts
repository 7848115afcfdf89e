// Shopify, Stripe and EasyPost in one process of their own, for tests and benchmarks that run the real
// `switchyard` binary and kill it: the fakes outlive the hub, so they count every call it ever made. Seeds
// VENDORS_FAKE_ORDERS orders (i = 1…N): Shopify order `crashOrderId(i)` with one open fulfillment order, and
// Stripe PaymentIntent `pi_crash_<i>` authorized for it. VENDORS_FAKE_DELAY_MS delays every answer.
// GET /__fake/effects reports what the hub did to each order.

import { fakeEasyPost } from '@switchyard/connector-easypost/testing';
import { API_VERSION } from '@switchyard/connector-shopify';
import { fakeShopify } from '@switchyard/connector-shopify/testing';
import { fakeStripe } from '@switchyard/connector-stripe/testing';
import { delay, HttpResponse, http } from 'msw';
import { serveHandlers } from './serve.ts';
import { CRASH_AMOUNT, crashOrderId } from './vendors.ts';

const count = Number(process.env.VENDORS_FAKE_ORDERS ?? 10);
const latency = Number(process.env.VENDORS_FAKE_DELAY_MS ?? 0);
const shopToken = process.env.VENDORS_FAKE_SHOPIFY_TOKEN ?? 'shpat_vendors';
const stripeKey = process.env.VENDORS_FAKE_STRIPE_KEY ?? 'sk_test_vendors';
const easypostKey = process.env.VENDORS_FAKE_EASYPOST_KEY ?? 'EZTK_vendors';

const served = await serveHandlers();
const origin = served.origin;
const shopify = fakeShopify('unused.myshopify.com', API_VERSION, shopToken, {
  max: 1000,
  restoreRate: 1_000_000,
  costPerNode: 1,
  origin,
});
const stripe = fakeStripe(stripeKey, origin);
const easypost = fakeEasyPost(easypostKey, origin);
for (let i = 1; i <= count; i++) {
  const id = crashOrderId(i);
  shopify.orders.set(id, {
    cancelledAt: null,
    fulfillmentOrders: [
      {
        id: `gid://shopify/FulfillmentOrder/${id}`,
        status: 'OPEN',
        lineItems: [
          {
            id: `gid://shopify/FulfillmentOrderLineItem/${id}`,
            remainingQuantity: 2,
            lineItemId: `${id}1`,
          },
        ],
      },
    ],
    fulfillments: [],
    transactions: [],
    refunds: [],
  });
  stripe.intents.set(`pi_crash_${i}`, {
    id: `pi_crash_${i}`,
    object: 'payment_intent',
    amount: CRASH_AMOUNT,
    amount_capturable: CRASH_AMOUNT,
    amount_received: 0,
    capture_method: 'manual',
    currency: 'usd',
    status: 'requires_capture',
    metadata: {},
  });
}
const effects = http.get(`${origin}/__fake/effects`, () => {
  // One pass over each fake's records, then a lookup per order.
  const labels = new Map<string, number>();
  for (const s of easypost.shipments.values()) {
    if (s.postage_label) labels.set(s.to_address?.name, (labels.get(s.to_address?.name) ?? 0) + 1);
  }
  const captures = new Map<string, { count: number; keys: Set<string | null> }>();
  for (const r of stripe.requests) {
    if (r.replayed || !r.path.endsWith('/capture')) continue;
    const entry = captures.get(r.path) ?? { count: 0, keys: new Set() };
    entry.count++;
    entry.keys.add(r.idempotencyKey);
    captures.set(r.path, entry);
  }
  const orders = [];
  for (let i = 1; i <= count; i++) {
    const id = crashOrderId(i);
    const capture = captures.get(`/v1/payment_intents/pi_crash_${i}/capture`);
    orders.push({
      order: id,
      captureRequests: capture?.count ?? 0,
      captureKeys: [...(capture?.keys ?? [])],
      captured: stripe.intents.get(`pi_crash_${i}`)!.status === 'succeeded',
      labels: labels.get(`Buyer ${i}`) ?? 0,
      fulfillments: shopify.orders.get(id)!.fulfillments.length,
    });
  }
  return HttpResponse.json({ orders, purchases: easypost.purchases.length });
});
// Every answer after the same fixed delay, as a real API's round trip.
const slow = http.all(`${origin}/*`, async () => {
  if (latency) await delay(latency);
  return undefined;
});
served.use(slow, effects, ...shopify.handlers, ...stripe.handlers, ...easypost.handlers);
process.stdout.write(`listening on ${origin}\n`);
process.on('SIGTERM', () => process.exit(0));
