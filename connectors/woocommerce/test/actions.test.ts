import type { Order } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { woocommerce } from '../src/index.ts';
import { fakeWooCommerce, wooOrder } from './fakes/woocommerce.ts';

/** Write-back to WooCommerce, each action once per idempotency key, the real REST client in the loop. */
const siteUrl = 'https://woo-actions.example.com';
const keys = { consumerKey: 'ck_actions_12345', consumerSecret: 'cs_actions_12345' };
const fake = fakeWooCommerce(siteUrl, keys.consumerKey, keys.consumerSecret);
const server = setupServer(...fake.handlers);
const settings = woocommerce.settings.parse({ siteUrl, requestsPerSecond: 50 });
const context = (idempotencyKey: string) => ({
  tenantId: 't',
  connectionId: 'woo',
  settings,
  secrets: { webhookSecret: 'x', ...keys },
  now: () => new Date(),
  idempotencyKey,
  signal: new AbortController().signal,
});
const order = (id: number) =>
  ({
    externalId: String(id),
    currency: 'USD',
    totals: { total: { amount: 2500, currency: 'USD' } },
  }) as unknown as Order;
const fulfillment = {
  id: 'f1',
  status: 'in_transit',
  lines: [],
  carrier: 'UPS',
  trackingNumbers: ['1Z999AA1'],
  trackingUrls: ['https://ups.example/1Z999AA1'],
} as unknown as Order['fulfillments'][number];

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  fake.orders.push(
    wooOrder(31, '2026-11-20T10:00:00'),
    wooOrder(32, '2026-11-20T10:00:00'),
    wooOrder(33, '2026-11-20T10:00:00'),
    wooOrder(34, '2026-11-20T10:00:00'),
  );
});
afterAll(() => server.close());

describe('WooCommerce write-back', () => {
  it('completes an order with a customer note carrying carrier and tracking, once per step', async () => {
    const push = () =>
      woocommerce.actions!.pushFulfillment!(context('wf-31:ship'), {
        order: order(31),
        fulfillment,
        notifyCustomer: true,
      });
    const first = await push();
    const retried = await push(); // the step ran again after a crash: same key
    expect(retried).toEqual(first);
    expect(fake.notes.get(31)).toEqual([
      expect.objectContaining({
        customer_note: true,
        note: expect.stringMatching(
          /^Your order has shipped with UPS, tracking 1Z999AA1 \(https:\/\/ups\.example\/1Z999AA1\)\. \(ref SY-[0-9a-f]{10}\)$/,
        ),
      }),
    ]);
    expect(fake.orders.find((o) => o.id === 31)!.status).toBe('completed');
  });

  it('names the items of each parcel of a split order, and completes the order with the last', async () => {
    const lines = [
      { id: '340', externalId: '340', sku: 'SEEDS-1', title: 'Herb seeds' },
      { id: '341', externalId: '341', title: 'Trowel' },
    ];
    const first = {
      ...fulfillment,
      id: 'f-34-1',
      lines: [
        { lineId: '340', quantity: 2 },
        { lineId: '341', quantity: 1 },
      ],
    } as Order['fulfillments'][number];
    const split = { ...order(34), lines, fulfillments: [first] } as unknown as Order;
    const ship = () =>
      woocommerce.actions!.pushFulfillment!(context('wf-34:ship-1'), {
        order: split,
        fulfillment: first,
        notifyCustomer: true,
        final: false,
      });
    const a = await ship();
    expect(await ship()).toEqual(a);
    expect(fake.notes.get(34)).toEqual([
      expect.objectContaining({
        customer_note: true,
        note: expect.stringMatching(
          /^Part of your order has shipped with UPS, tracking 1Z999AA1 \(https:\/\/ups\.example\/1Z999AA1\): 2 × Herb seeds \(SKU SEEDS-1\), 1 × Trowel\. The rest follows in another parcel\. \(ref SY-[0-9a-f]{10}\)$/,
        ),
      }),
    ]);
    expect(fake.orders.find((o) => o.id === 34)!.status).toBe('processing');

    const last = {
      ...fulfillment,
      id: 'f-34-2',
      carrier: 'USPS',
      trackingNumbers: ['9400100000000000000001'],
      trackingUrls: [],
      lines: [{ lineId: '340', quantity: 1 }],
    } as Order['fulfillments'][number];
    await woocommerce.actions!.pushFulfillment!(context('wf-34:ship-2'), {
      order: { ...split, fulfillments: [first, last] } as Order,
      fulfillment: last,
      notifyCustomer: true,
      final: true,
    });
    expect(fake.notes.get(34)![1]!.note).toMatch(
      /^The last part of your order has shipped with USPS, tracking 9400100000000000000001: 1 × Herb seeds \(SKU SEEDS-1\)\. \(ref SY-/,
    );
    expect(fake.orders.find((o) => o.id === 34)!.status).toBe('completed');
  });

  it('tells the customer a new tracking once per step', async () => {
    const relabel = {
      ...fulfillment,
      trackingNumbers: ['1ZNEW0001'],
      trackingUrls: [],
    } as Order['fulfillments'][number];
    await woocommerce.actions!.updateTracking!(context('wf-31:track'), {
      order: order(31),
      fulfillment: relabel,
      notifyCustomer: true,
    });
    await woocommerce.actions!.updateTracking!(context('wf-31:track'), {
      order: order(31),
      fulfillment: relabel,
      notifyCustomer: true,
    });
    expect(fake.notes.get(31)!.filter((n) => n.note.includes('1ZNEW0001'))).toHaveLength(1);
  });

  it('cancels once, and refunds once, found again by their reference on a retry', async () => {
    await woocommerce.actions!.cancelOrder!(context('wf-32:cancel'), {
      order: order(32),
      reason: 'customer asked',
    });
    await woocommerce.actions!.cancelOrder!(context('wf-32:cancel'), {
      order: order(32),
      reason: 'customer asked',
    });
    expect(fake.orders.find((o) => o.id === 32)!.status).toBe('cancelled');
    expect(fake.notes.get(32)).toHaveLength(1);
    const refund = () =>
      woocommerce.actions!.refundOrder!(context('wf-33:refund'), {
        order: order(33),
        amount: { amount: 1250, currency: 'USD' },
        reason: 'damaged',
        lines: [],
      });
    const a = await refund();
    const b = await refund();
    expect(b).toEqual(a);
    expect(fake.refunds.get(33)).toEqual([
      expect.objectContaining({ amount: '12.50', reason: expect.stringMatching(/^damaged \(ref SY-/) }),
    ]);
    // Another step (another key) is another refund.
    await woocommerce.actions!.refundOrder!(context('wf-33:refund-2'), {
      order: order(33),
      amount: { amount: 100, currency: 'USD' },
      reason: 'goodwill',
      lines: [],
    });
    expect(fake.refunds.get(33)).toHaveLength(2);
  });

  it('annotates with one private note carrying the tags, once per step', async () => {
    const annotate = () =>
      woocommerce.actions!.annotateOrder!(context('wf-32:annotate'), {
        order: order(32),
        tags: ['switchyard', 'fraud-review'],
        note: 'Held for review: billing and shipping countries differ.',
      });
    const before = fake.notes.get(32)?.length ?? 0;
    const a = await annotate();
    expect(await annotate()).toEqual(a);
    const added = fake.notes.get(32)!.slice(before);
    expect(added).toEqual([
      {
        id: Number(a.externalId),
        customer_note: false,
        note: expect.stringMatching(
          /^Tags: switchyard, fraud-review\. Held for review: billing and shipping countries differ\. \(ref SY-[0-9a-f]{10}\)$/,
        ),
      },
    ]);
  });

  it('says plainly when the keys lack write access', async () => {
    const denied = {
      ...context('k'),
      secrets: { webhookSecret: 'x', consumerKey: 'ck_other', consumerSecret: 'cs_other' },
    };
    await expect(
      woocommerce.actions!.cancelOrder!(denied, { order: order(31), reason: 'x' }),
    ).rejects.toThrow(/refused the API credentials/);
  });
});
