import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type AnyConnector, normalize, Order } from '@switchyard/core';
import { actionsContract, connectorContract, pullContract } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { amazon } from '../src/index.ts';
import { CREDENTIALS, fakeAmazon, orderChange, sampleOrder } from './fakes/index.ts';

/**
 * The contract kit over the Amazon connector, against Amazon faked at the network: the queue mode's checks
 * (nothing over HTTP, each ORDER_CHANGE for this seller accepted), thin-notification hydration by getOrder on
 * the run's PostgreSQL, golden normalization of Orders v2026-01-01 orders, the searchOrders pull, and
 * confirmShipment idempotent under a step's key. The connection is Amazon's sandbox (5 requests/s every
 * operation), so a 429 is waited out in a fifth of a second rather than searchOrders' 180 s.
 */
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const sellerId = 'A3SELLERFAKE01';
const api = 'https://sandbox.sellingpartnerapi-na.amazon.com';
const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/switchyard-orders';
const settings = {
  sellerId,
  marketplaceIds: ['ATVPDKIKX0DER'],
  sandbox: true,
  pageSize: 10,
  sqs: { queueUrl },
};
const secrets = { ...CREDENTIALS };
const connector = amazon as unknown as AnyConnector;
const now = new Date();
const recent = (seconds: number) => new Date(now.getTime() - 3_600_000 + seconds * 1000).toISOString();

const vendor = fakeAmazon({ api, sellerId, queueUrl });
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  vendor.api.deny = false;
  vendor.api.throttleNext = 0;
});

const fixture = (name: string) => ({ file: here(`fixtures/${name}.json`) });
const mfn = JSON.parse(readFileSync(here('fixtures/order-mfn.json'), 'utf8')) as Record<string, unknown>;
const getOrders = () => vendor.api.calls.filter((c) => c.operation === 'getOrder').length;

connectorContract({
  connector,
  settings,
  secrets,
  now,
  sign: () => ({}),
  payloads: [
    {
      name: 'a merchant-fulfilled order with tax, a promotion, gift wrap, shipping and a tip',
      body: fixture('order-mfn'),
      golden: here('golden/order-mfn.json'),
    },
    {
      name: 'an order fulfilled by Amazon',
      body: fixture('order-fba'),
      golden: here('golden/order-fba.json'),
    },
    {
      name: 'a cancelled order',
      body: fixture('order-cancelled'),
      golden: here('golden/order-cancelled.json'),
    },
    {
      name: 'an order whose buyer asked to cancel it',
      body: fixture('order-cancel-requested'),
      golden: here('golden/order-cancel-requested.json'),
    },
    {
      name: 'a cancelled order whose items Amazon zeroed (quantity 0, nothing charged)',
      body: fixture('order-cancelled-zeroed'),
      golden: here('golden/order-cancelled-zeroed.json'),
    },
    {
      name: 'a free-shipping promotion on untaxed goods with taxed shipping, and a discount on goods and shipping',
      body: fixture('order-free-shipping'),
      golden: here('golden/order-free-shipping.json'),
    },
  ],
  malformed: [
    { name: 'truncated JSON', body: '{"orderId": "113-4826371-5520914", "orderItems": [' },
    { name: 'an order without items', body: JSON.stringify({ ...mfn, orderItems: [] }) },
    {
      name: 'an order read without its fulfillment dataset',
      body: JSON.stringify({ ...mfn, fulfillment: undefined }),
    },
    {
      name: 'a grand total Amazon states differently',
      body: JSON.stringify({
        ...mfn,
        proceeds: { ...(mfn.proceeds as object), grandTotal: { amount: '97.23', currencyCode: 'USD' } },
      }),
    },
    {
      name: 'a status Amazon never documented',
      body: JSON.stringify({ ...mfn, fulfillment: { fulfillmentStatus: 'LOST' } }),
    },
  ],
  hydration: {
    notifications: [
      {
        name: 'order 113-0000001-0000001 unshipped',
        body: JSON.stringify(orderChange('113-0000001-0000001', { sellerId, notificationId: 'n-1' })),
      },
      {
        name: 'order 113-0000002-0000002 cancel requested (CamelCase status)',
        body: JSON.stringify(
          orderChange('113-0000002-0000002', {
            sellerId,
            notificationId: 'n-2',
            changeType: 'BuyerRequestedChange',
            status: 'PartiallyShipped',
          }),
        ),
      },
    ],
    hold() {
      vendor.api.orders = new Map(
        [sampleOrder('113-0000001-0000001', recent(1)), sampleOrder('113-0000002-0000002', recent(2))].map(
          (o) => [o.orderId, o],
        ),
      );
    },
    fetches: getOrders,
  },
});

pullContract({
  connector,
  settings,
  secrets,
  pageSize: 10,
  prepare({ records, throttleFirst, deny }) {
    vendor.api.orders = new Map(
      Array.from({ length: records }, (_, i) => {
        const o = sampleOrder(`114-${String(1000000 + i)}-0000000`, recent(10 + i));
        return [o.orderId, o];
      }),
    );
    vendor.api.throttleNext = throttleFirst ? 1 : 0;
    vendor.api.deny = !!deny;
  },
});

/** The fake's order 113-0000003-0000003 as the hub holds it: normalized from what Amazon serves. */
function heldOrder(): Order {
  const placed = sampleOrder('113-0000003-0000003', recent(5));
  vendor.api.orders.set(placed.orderId, placed);
  const c = {
    id: 'contract',
    tenantId: 'contract',
    connector,
    settings: connector.settings.parse(settings),
    secrets,
  };
  const result = normalize(c, {
    headers: { 'content-type': 'application/json' },
    body: new Uint8Array(Buffer.from(JSON.stringify(placed))),
    contentType: 'application/json',
    receivedAt: now,
  });
  if (!result.ok) throw new Error(result.message);
  return Order.parse({
    ...result.drafts[0],
    id: 'ord_1',
    tenantId: 'contract',
    version: 1,
    source: { connectionId: 'contract', connector: 'amazon' },
  });
}

actionsContract({
  connector,
  settings,
  secrets,
  cases: [
    {
      name: 'pushFulfillment (confirmShipment, one package per key)',
      call: (context) => {
        const order = heldOrder();
        return connector.actions!.pushFulfillment!(context, {
          order,
          fulfillment: {
            id: 'ful_local_1',
            status: 'in_transit',
            lines: [{ lineId: order.lines[0]!.id, quantity: 1 }],
            carrier: 'USPS',
            service: 'Priority',
            trackingNumbers: ['9400111899223197428490'],
            trackingUrls: [],
          },
          notifyCustomer: true,
        });
      },
      effects: () => vendor.api.packages.get('113-0000003-0000003')?.size ?? 0,
    },
  ],
});
