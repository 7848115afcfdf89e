import { fileURLToPath } from 'node:url';
import { type AnyConnector, OrderDraft } from '@switchyard/core';
import { actionsContract, connectorContract, pullContract, sampleDraft } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { amazon } from '../src/index.ts';
import { SIGNATURE_HEADER, signature } from '../src/webhook.ts';
import { fakeAmazon, sampleOrder } from './fakes/index.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const apiUrl = 'https://api.amazon.example/v1';
const secrets = { webhookSecret: 'whsec_test', apiToken: 'tok_test' };
const settings = { apiUrl, pageSize: 10, requestsPerSecond: 50 };
const connector = amazon as unknown as AnyConnector;

const vendor = fakeAmazon(apiUrl, secrets.apiToken);
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
// Each check starts from a vendor that answers (the pull checks leave it refusing or throttling).
beforeEach(() => {
  vendor.deny = false;
  vendor.throttleNext = 0;
});

const order = sampleOrder('10001', '2026-11-30T10:05:00Z');

connectorContract({
  connector,
  settings,
  secrets,
  sign: (body, s) => ({ [SIGNATURE_HEADER]: signature(s.webhookSecret!, body) }),
  payloads: [
    {
      name: 'a paid order with tax and shipping',
      body: { file: here('fixtures/order-paid.json') },
      golden: here('golden/order-paid.json'),
    },
  ],
  malformed: [
    { name: 'truncated JSON', body: '{"id": "10001", "lines": [' },
    { name: 'an order without lines', body: JSON.stringify({ ...order, lines: [] }) },
    { name: 'a total the vendor states differently', body: JSON.stringify({ ...order, total: '28.00' }) },
  ],
});

pullContract({
  connector,
  settings,
  secrets,
  pageSize: 10,
  prepare({ records, throttleFirst, deny }) {
    vendor.orders = Array.from({ length: records }, (_, i) =>
      sampleOrder(String(20000 + i), new Date(Date.UTC(2026, 10, 30, 12, 0, i + 1)).toISOString()),
    );
    vendor.throttleNext = throttleFirst ? 1 : 0;
    vendor.deny = !!deny;
  },
});

const shipped = OrderDraft.parse(sampleDraft('10001'));
actionsContract({
  connector,
  settings,
  secrets,
  cases: [
    {
      name: 'pushFulfillment',
      call: (context) =>
        connector.actions!.pushFulfillment!(context, {
          order: {
            ...shipped,
            id: 'ord_1',
            tenantId: 't',
            version: 1,
            source: { connectionId: 'c', connector: 'amazon' },
          },
          fulfillment: {
            id: 'ful_local_1',
            status: 'in_transit',
            lines: [{ lineId: shipped.lines[0]!.id, quantity: 1 }],
            carrier: 'UPS',
            trackingNumbers: ['1Z999AA10123456784'],
            trackingUrls: [],
          },
          notifyCustomer: true,
        }),
      effects: () => vendor.fulfillments.size,
    },
  ],
});
