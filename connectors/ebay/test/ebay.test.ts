import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type AnyConnector, type Order, OrderDraft } from '@switchyard/core';
import { actionsContract, connectorContract, pullContract } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { EbayOrder } from '../src/ebay-order.ts';
import { ebay } from '../src/index.ts';
import { mapOrder } from '../src/map-order.ts';
import { ebayOrder, fakeEbay, orderConfirmation } from './fakes/index.ts';
import { apiOrigin, secrets } from './keys.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const fixture = (name: string) => JSON.parse(readFileSync(here(`fixtures/${name}.json`), 'utf8'));
const settings = { apiOrigin, pageSize: 10 };
const connector = ebay as unknown as AnyConnector;

// eBay's quota as the fake answers getRateLimits: generous here (1,000 calls a second), enforced in the bench.
const vendor = fakeEbay({ apiOrigin, ...secrets, fulfillmentPerDay: 86_400_000 });
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
// Each check starts from a vendor that answers (the pull checks leave it refusing or throttling).
beforeEach(() => {
  vendor.state.deny = false;
  vendor.state.throttleNext = 0;
});

const paid = fixture('order-paid-tax');
const multi = fixture('order-multi-line');

connectorContract({
  connector,
  settings,
  secrets,
  // The fixtures' orders are from late November 2026: a first pull on 1 December lists them (eBay's 90 days).
  now: new Date('2026-12-01T00:00:00Z'),
  sign: (body) => vendor.signatureHeaders(body),
  forge: (body) => vendor.signatureHeaders(body, 'forged'),
  payloads: [
    {
      name: 'a paid order with tax eBay collects and remits',
      body: { file: here('fixtures/order-paid-tax.json') },
      golden: here('golden/order-paid-tax.json'),
    },
    {
      name: 'a three-line order, promotions, a shipping discount, one line shipped',
      body: { file: here('fixtures/order-multi-line.json') },
      golden: here('golden/order-multi-line.json'),
    },
    {
      name: 'an order the buyer cancelled, refunded (getOrder: cancel requests filled)',
      body: { file: here('fixtures/order-cancelled.json') },
      golden: here('golden/order-cancelled.json'),
    },
  ],
  malformed: [
    { name: 'truncated JSON', body: '{"orderId": "12-11840-52706", "lineItems": [' },
    { name: 'an order without line items', body: JSON.stringify({ ...paid, lineItems: [] }) },
    {
      name: 'a total eBay states differently',
      body: JSON.stringify({
        ...paid,
        pricingSummary: { ...paid.pricingSummary, total: { value: '70.00', currency: 'USD' } },
      }),
    },
    {
      name: 'a line amount in another currency',
      body: JSON.stringify({
        ...paid,
        lineItems: [{ ...paid.lineItems[0], lineItemCost: { value: '45.00', currency: 'EUR' } }],
      }),
    },
  ],
  hydration: {
    notifications: [
      {
        name: 'ORDER_CONFIRMATION for a paid order',
        body: { file: here('fixtures/notification-order-confirmation.json') },
      },
      {
        name: 'ORDER_CONFIRMATION for a three-line order',
        body: orderConfirmation('a7c1e3f5-0b2d-4f6a-8c9e-1d3f5a7b9c0e', multi.orderId),
      },
    ],
    hold() {
      vendor.state.orders = new Map([
        [paid.orderId, structuredClone(paid)],
        [multi.orderId, structuredClone(multi)],
      ]);
    },
    fetches: () => vendor.state.calls.getOrder ?? 0,
  },
});

pullContract({
  connector,
  settings,
  secrets,
  pageSize: 10,
  prepare({ records, throttleFirst, deny }) {
    const now = Date.now();
    vendor.state.orders = new Map(
      Array.from({ length: records }, (_, i) => {
        const order = ebayOrder({
          orderId: `20-${String(10_000 + i)}-00001`,
          lastModifiedDate: new Date(now - (records - i) * 60_000).toISOString(),
          lines: [
            {
              lineItemId: `1009${String(i).padStart(10, '0')}`,
              sku: 'MUG-1',
              quantity: 2,
              price: 1000,
              shipping: 500,
              tax: 160,
            },
          ],
          collectAndRemit: true,
        });
        return [order.orderId, order];
      }),
    );
    vendor.state.throttleNext = throttleFirst ? 1 : 0;
    vendor.state.deny = !!deny;
  },
});

// The order as the hub holds it, from the paid fixture: its lines carry eBay's lineItemId.
const order = {
  ...OrderDraft.parse(mapOrder(EbayOrder.parse(paid))),
  id: 'ord_1',
  tenantId: 't',
  version: 1,
  source: { connectionId: 'c', connector: 'ebay' },
} as Order;

actionsContract({
  connector,
  settings,
  secrets,
  cases: [
    {
      name: 'pushFulfillment (read before write, by tracking number)',
      // Another workflow step is another package: it has its own label, so its own tracking number.
      call: (context) => {
        vendor.state.orders.set(paid.orderId, vendor.state.orders.get(paid.orderId) ?? structuredClone(paid));
        const tracking = `9400${createHash('sha256').update(context.idempotencyKey).digest('hex').replace(/\D/g, '').slice(0, 18)}`;
        return connector.actions!.pushFulfillment!(context, {
          order,
          fulfillment: {
            id: 'ful_local_1',
            status: 'in_transit',
            lines: [{ lineId: order.lines[0]!.id, quantity: 2 }],
            carrier: 'USPS',
            trackingNumbers: [tracking],
            trackingUrls: [],
          },
          notifyCustomer: true,
        });
      },
      effects: () => vendor.state.created,
    },
  ],
});
