import type { PullPage } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { walmart } from '../src/index.ts';
import { orderKey } from '../src/record.ts';
import { fakeWalmart, walmartOrder } from './fakes/index.ts';

const vendor = fakeWalmart({ rateScale: 100 });
const server = setupServer(...vendor.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  vendor.orders.clear();
  vendor.calls.length = 0;
});

const NOW = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const context = (pageSize = 200) => ({
  tenantId: 't',
  connectionId: `pull-${Math.random()}`,
  settings: walmart.settings.parse({ pageSize }),
  secrets: { clientId: vendor.clientId, clientSecret: vendor.clientSecret },
  now: () => new Date(NOW),
});
async function pull(options: { since?: Date; cursor?: string; backfill?: boolean; pageSize?: number } = {}) {
  const pages: PullPage[] = [];
  const { pageSize, ...request } = options;
  for await (const page of walmart.pull!(context(pageSize), {
    ...request,
    signal: new AbortController().signal,
  }))
    pages.push(page);
  return pages;
}
const listings = () =>
  vendor.calls
    .filter((c) => c.operation === 'released-orders' || c.operation === 'orders')
    .map((c) => ({ op: c.operation, q: Object.fromEntries(new URLSearchParams(c.query)) }));
const ids = (pages: PullPage[]) =>
  pages.flatMap((p) =>
    p.records.map((r) => JSON.parse(Buffer.from(r.body).toString()).purchaseOrderId as string),
  );

describe('the scheduled pull', () => {
  it('walks the released orders by nextCursor, then what changed since, and leaves the watermark at its start', async () => {
    for (let i = 1; i <= 5; i++) {
      vendor.put(walmartOrder(`17000000000${i}`, { orderDate: NOW - 10 * HOUR + i * 60_000 }), NOW - HOUR);
    }
    // The last one is a replacement: its page comes from a nextCursor, which does not carry replacementInfo.
    vendor.put(
      walmartOrder('170000000006', {
        orderDate: NOW - 9 * HOUR,
        orderType: 'REPLACEMENT',
        originalCustomerOrderID: '5001',
      }),
      NOW - HOUR,
    );
    const since = new Date(NOW - 2 * HOUR);
    const pages = await pull({ since, pageSize: 2 });
    const calls = listings();
    expect(calls.map((c) => c.op)).toEqual([...Array(3).fill('released-orders'), ...Array(3).fill('orders')]);
    expect(calls[0]!.q).toEqual({
      createdStartDate: new Date(NOW - 2 * HOUR - DAY).toISOString(),
      limit: '2',
      productInfo: 'true',
      replacementInfo: 'true',
    });
    // Later pages: Walmart's nextCursor as the query string, what it lacks added.
    expect(calls[1]!.q).toMatchObject({
      hasMoreElements: 'true',
      poIndex: '2',
      limit: '2',
      replacementInfo: 'true',
    });
    expect(calls[3]!.q).toMatchObject({
      lastModifiedStartDate: new Date(NOW - 3 * HOUR).toISOString(),
      lastModifiedEndDate: new Date(NOW).toISOString(),
      createdStartDate: new Date(NOW - 180 * DAY + HOUR).toISOString(),
    });
    expect(ids(pages.slice(0, 3))).toEqual([
      '170000000001',
      '170000000002',
      '170000000003',
      '170000000004',
      '170000000005',
      '170000000006',
    ]);
    expect(pages.map((p) => [p.cursor === null, p.watermark ?? null])).toEqual([
      ...Array(5).fill([false, null]),
      [true, new Date(NOW).toISOString()],
    ]);
    const replacement = pages[2]!.records.at(-1)!;
    const [order] = walmart.normalize(
      { headers: {}, body: replacement.body, contentType: 'application/json', receivedAt: new Date() },
      context(),
    ).orders;
    expect(order!.tags).toEqual(['walmart-replacement']);
  });

  it('resumes from a page’s cursor, and refuses a cursor that is not its own', async () => {
    for (let i = 1; i <= 5; i++)
      vendor.put(walmartOrder(`17100000000${i}`, { orderDate: NOW - HOUR }), NOW - HOUR);
    const pages = await pull({ pageSize: 2 });
    vendor.calls.length = 0;
    const resumed = await pull({ cursor: pages[1]!.cursor!, pageSize: 2 });
    expect(listings()[0]!.q).toMatchObject({ poIndex: '4' });
    expect(resumed.length).toBe(pages.length - 2);
    await expect(pull({ cursor: '{"after":null,"page":2}' })).rejects.toThrow(
      /not a Walmart sync cursor: run the sync with --restart/,
    );
    await expect(pull({ cursor: pages[1]!.cursor!, backfill: true })).rejects.toThrow(
      /backfill with --restart/,
    );
  });

  it('keys an order by its state: the same state again is the same record, a changed one another', async () => {
    const order = walmartOrder('172000000001', { orderDate: NOW - HOUR });
    const acknowledged = structuredClone(order);
    acknowledged.orderLines.orderLine[0]!.orderLineStatuses.orderLineStatus[0]!.status = 'Acknowledged';
    expect(orderKey(order)).toBe(orderKey(structuredClone(order)));
    expect(orderKey(acknowledged)).not.toBe(orderKey(order));
    expect(orderKey(order)).toMatch(/^order:172000000001@2026-12-01T11:01:00\.000Z#[0-9a-f]{16}$/);
    expect(orderKey({ purchaseOrderId: 7 } as never, '{"purchaseOrderId":7}')).toMatch(/^order:unreadable#/);
  });

  it('keys apart the changes that leave the status dates alone: a cancellation request, an address, a charge', async () => {
    const order = walmartOrder('172000000002', { orderDate: NOW - HOUR });
    const asked = structuredClone(order);
    asked.orderLines.orderLine[0]!.intentToCancel = 'Y';
    const moved = structuredClone(order);
    moved.shippingInfo.postalAddress.address1 = '2 Navy Yard Ct';
    const repriced = structuredClone(order);
    repriced.orderLines.orderLine[0]!.charges.charge[0]!.chargeAmount.amount = 11.99;
    const keys = [order, asked, moved, repriced].map((o) => orderKey(o));
    expect(new Set(keys).size).toBe(4);
    // Same time, another state: the store takes it (it refuses only what is older).
    expect(keys.map((k) => k.split('#')[0])).toEqual(Array(4).fill(keys[0]!.split('#')[0]));
    // The same order with its fields listed in another order is the same state.
    const reordered = Object.fromEntries(Object.entries(order).reverse()) as typeof order;
    expect(orderKey(reordered)).toBe(keys[0]);

    // Pulled after the order was, the buyer's request is a new record, and holds the order for a person.
    vendor.put(order, NOW - HOUR);
    const before = await pull({ since: new Date(NOW - 2 * HOUR) });
    vendor.put(asked, NOW - 30 * 60_000);
    const after = await pull({ since: new Date(NOW - 2 * HOUR) });
    const [first] = before.flatMap((p) => p.records);
    const [second] = after.flatMap((p) => p.records);
    expect(second!.dedupeKey).not.toBe(first!.dedupeKey);
    const context = {
      tenantId: 't',
      connectionId: 'c',
      settings: walmart.settings.parse({}),
      secrets: { clientId: vendor.clientId, clientSecret: vendor.clientSecret },
      now: () => new Date(NOW),
    };
    const normalized = walmart.normalize({ ...second!, headers: {}, receivedAt: new Date(NOW) }, context);
    expect(normalized.orders[0]).toMatchObject({ status: 'on_hold', tags: ['walmart-intent-to-cancel'] });
  });

  it('ends with an empty page when Walmart has nothing (its 404 for no orders)', async () => {
    const pages = await pull({ since: new Date(NOW - HOUR) });
    expect(pages.map((p) => p.records.length)).toEqual([0, 0]);
    expect(vendor.calls.map((c) => [c.operation, c.status])).toEqual([
      ['token', 200],
      ['released-orders', 200],
      ['orders', 404],
    ]);
  });
});

describe('the backfill', () => {
  it('walks the modified listing from since, moved up to Walmart’s 180 days, with shipped and cancelled orders too', async () => {
    const shipped = walmartOrder('173000000001', { orderDate: NOW - 30 * DAY });
    shipped.orderLines.orderLine[0]!.orderLineStatuses.orderLineStatus = [
      {
        status: 'Cancelled',
        statusQuantity: { unitOfMeasurement: 'EACH', amount: '1' },
        cancellationReason: 'x',
      },
    ];
    vendor.put(shipped, NOW - 29 * DAY);
    vendor.put(walmartOrder('173000000002', { orderDate: NOW - 2 * DAY }), NOW - DAY);
    const pages = await pull({ since: new Date(NOW - 400 * DAY), backfill: true });
    expect(listings().map((c) => c.op)).toEqual(['orders']);
    expect(listings()[0]!.q).toMatchObject({
      lastModifiedStartDate: new Date(NOW - 180 * DAY + HOUR).toISOString(),
    });
    expect(ids(pages)).toEqual(['173000000001', '173000000002']);
    expect(pages[0]!.status).toMatch(/Walmart keeps 180 days of orders: starting at/);
  });

  it('halves a window holding more than 20,000 orders, and moves on window by window', async () => {
    const start = NOW - 10 * DAY;
    for (let i = 0; i < 20_050; i++) {
      vendor.put(walmartOrder(String(1_740_000_000_000 + i), { orderDate: start }), start + i * 30_000);
    }
    const pages = await pull({ since: new Date(start), backfill: true });
    const seen = new Set(pages.flatMap((p) => p.records.map((r) => r.dedupeKey)));
    expect(seen.size).toBe(20_050);
    expect(vendor.calls.filter((c) => c.status >= 400)).toEqual([]);
    const firsts = listings().filter((c) => !c.q.poIndex);
    expect(firsts.map((c) => c.q.lastModifiedEndDate)).toEqual([
      new Date(NOW).toISOString(),
      new Date(start + 5 * DAY).toISOString(),
      new Date(NOW).toISOString(),
    ]);
  }, 60_000);
});
