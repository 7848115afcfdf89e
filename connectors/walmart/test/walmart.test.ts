import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyConnector, InboundRequest } from '@switchyard/core';
import { connectorContract, pullContract } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { walmart } from '../src/index.ts';
import { fakeWalmart, walmartOrder } from './fakes/index.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const fixture = (name: string) => readFileSync(here(`fixtures/${name}`), 'utf8');
const connector = walmart as unknown as AnyConnector;
const vendor = fakeWalmart({ rateScale: 100 });
const secrets = { clientId: vendor.clientId, clientSecret: vendor.clientSecret };
const settings = { pageSize: 10 };
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  vendor.deny = false;
  vendor.throttleNext = 0;
});

const released = JSON.parse(fixture('released-order.json'));
const cancelledInPart = JSON.parse(fixture('partly-cancelled.json'));

connectorContract({
  connector,
  settings,
  secrets,
  // Pull only: nothing is delivered over a webhook, so nothing is signed.
  sign: () => ({}),
  payloads: [
    {
      name: 'a released order with tax, shipping and its tax, two units on one line',
      body: { file: here('fixtures/released-order.json') },
      golden: here('golden/released-order.json'),
    },
    {
      name: 'a replacement order (orderType REPLACEMENT, originalCustomerOrderID), acknowledged',
      body: { file: here('fixtures/replacement-order.json') },
      golden: here('golden/replacement-order.json'),
    },
    {
      name: 'a partly cancelled and partly shipped order with its stated total',
      body: { file: here('fixtures/partly-cancelled.json') },
      golden: here('golden/partly-cancelled.json'),
    },
  ],
  malformed: [
    { name: 'truncated JSON', body: '{"purchaseOrderId": "1802938475610", "orderLines": {' },
    { name: 'an order without lines', body: JSON.stringify({ ...released, orderLines: { orderLine: [] } }) },
    {
      name: 'a total Walmart states differently',
      body: JSON.stringify({
        ...cancelledInPart,
        orderSummary: { totalAmount: { currencyAmount: 81.84, currencyUnit: 'USD' } },
      }),
    },
    {
      name: 'a line whose statuses count more units than were ordered',
      body: fixture('released-order.json').replace('"amount": "2" } }]', '"amount": "3" } }]'),
    },
    {
      name: 'a country the hub cannot map',
      body: fixture('released-order.json').replace('"country": "USA"', '"country": "Atlantis"'),
    },
    { name: 'money that is not a number', body: fixture('released-order.json').replace('25.98', '"25,98"') },
  ],
});

pullContract({
  connector,
  settings,
  secrets,
  pageSize: 10,
  prepare({ records, throttleFirst, deny }) {
    vendor.orders.clear();
    const placed = Date.now() - 3_600_000;
    for (let i = 0; i < records; i++) {
      vendor.put(walmartOrder(String(1_900_000_000_000 + i), { orderDate: placed + i * 1000 }));
    }
    vendor.throttleNext = throttleFirst ? 1 : 0;
    vendor.deny = !!deny;
  },
});

const context = {
  tenantId: 't',
  connectionId: 'c',
  settings: walmart.settings.parse(settings),
  secrets,
  now: () => new Date('2026-12-01T00:00:00Z'),
};
const stored = (body: unknown): InboundRequest => ({
  method: 'PULL',
  path: '/pull/c',
  headers: { 'content-type': 'application/json' },
  body: new Uint8Array(Buffer.from(JSON.stringify(body))),
  contentType: 'application/json',
  receivedAt: new Date(),
});
const normalized = (body: unknown) => walmart.normalize(stored(body), context).orders[0]!;

describe('walmart mapping', () => {
  it('keeps the ids write-back needs: purchase order, customer order, line numbers', () => {
    const order = normalized(released);
    expect(order).toMatchObject({
      externalId: '1802938475610',
      externalNumber: '2001937465512',
      placedAt: '2026-11-20T10:00:00.000Z',
      shipBy: '2026-11-21T10:00:00.000Z',
      updatedAt: '2026-11-20T10:06:00.000Z',
      attributes: { 'walmart.customerOrderId': '2001937465512', 'walmart.methodCode': 'Standard' },
    });
    expect(order.lines.map((l) => [l.id, l.externalId, l.sku])).toEqual([
      ['1', '1', 'MUG-SLATE-12'],
      ['2', '2', 'TOWEL-LIN-01'],
    ]);
    expect(order.shippingAddress).toMatchObject({ country: 'US', region: 'OR', line2: 'Suite 4' });
  });

  it('reads JSON numbers as minor units exactly, and splits a line amount over its units', () => {
    const order = normalized(released);
    // 25.98 for two mugs: 12.99 each; 0.9 lb each is 408 g.
    expect(order.lines[0]).toMatchObject({ unitPrice: { amount: 1299 }, weightGrams: 408 });
    expect(order.totals).toMatchObject({
      items: { amount: 3548 },
      shipping: { amount: 599 },
      tax: { amount: 344 },
      total: { amount: 4491 },
    });
    const odd = structuredClone(released);
    odd.orderLines.orderLine[0].charges.charge[0].chargeAmount.amount = 25.99;
    const split = normalized(odd);
    expect(split.lines[0]!.unitPrice).toMatchObject({ amount: 1299 });
    expect(split.adjustments).toEqual([
      { kind: 'rounding', title: 'Rounding of line 1', amount: { amount: 1, currency: 'USD' }, taxLines: [] },
    ]);
    expect(split.totals.total.amount).toBe(4492);
  });

  it('maps line statuses to the order and line quantities', () => {
    const status = (statuses: { status: string; amount: string }[][], extra: object = {}) => {
      const o = structuredClone(released);
      o.orderLines.orderLine.forEach((l: { orderLineStatuses: unknown }, i: number) => {
        l.orderLineStatuses = {
          orderLineStatus: statuses[i]!.map((s) => ({
            status: s.status,
            statusQuantity: { unitOfMeasurement: 'EACH', amount: s.amount },
            ...(s.status === 'Shipped' || s.status === 'Delivered'
              ? {
                  trackingInfo: {
                    shipDateTime: 1,
                    carrierName: { carrier: 'UPS' },
                    methodCode: 'Standard',
                    trackingNumber: '1Z1',
                  },
                }
              : {}),
          })),
        };
      });
      return normalized({ ...o, ...extra }).status;
    };
    const c = (status: string, amount = '1') => ({ status, amount });
    expect(status([[c('Acknowledged', '2')], [c('Created')]])).toBe('placed');
    expect(status([[c('Cancelled', '2')], [c('Cancelled')]])).toBe('cancelled');
    expect(status([[c('Shipped', '2')], [c('Created')]])).toBe('partially_shipped');
    expect(status([[c('Shipped', '2')], [c('Cancelled')]])).toBe('shipped');
    expect(status([[c('Delivered', '2')], [c('Delivered')]])).toBe('delivered');
    expect(status([[c('Created', '2')], [c('Created')]], { shipNode: { type: 'WFSFulfilled' } })).toBe(
      'in_fulfillment',
    );
    const partly = normalized(cancelledInPart);
    expect(partly.lines.map((l) => l.quantity)).toEqual([
      { ordered: 2, fulfilled: 1, shipped: 1, cancelled: 0, returned: 0 },
      { ordered: 1, fulfilled: 0, shipped: 0, cancelled: 1, returned: 0 },
    ]);
    expect(partly.fulfillments).toEqual([
      expect.objectContaining({
        externalId: '771234567890',
        carrier: 'FedEx',
        lines: [{ lineId: '1', quantity: 1 }],
      }),
    ]);
  });

  it('holds an order whose buyer asked to cancel a line, for a person to decide', () => {
    const o = structuredClone(released);
    o.orderLines.orderLine[1].intentToCancel = 'Y';
    const order = normalized(o);
    expect(order.status).toBe('on_hold');
    expect(order.tags).toContain('walmart-intent-to-cancel');
    expect(order.attributes).toMatchObject({ 'walmart.intentToCancelLines': '2' });
  });

  it('recognises a replacement order, with the original customer order', () => {
    const order = normalized(JSON.parse(fixture('replacement-order.json')));
    expect(order.tags).toEqual(['walmart-replacement']);
    expect(order.attributes).toMatchObject({
      'walmart.orderType': 'REPLACEMENT',
      'walmart.originalCustomerOrderId': '2001937465512',
    });
    expect(order.totals.total.amount).toBe(0);
  });
});
