import type { Order } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, shopify } from '../src/index.ts';
import { fakeShopify } from './fakes/index.ts';

/** Write-back to Shopify through the GraphQL Admin API, the connector's client in the loop. */
const shop = 'actions-demo.myshopify.com';
const token = 'shpat_actions_0123456789';
const fake = fakeShopify(shop, API_VERSION, token);
const server = setupServer(...fake.handlers);
const settings = shopify.settings.parse({ shop });
const context = (idempotencyKey: string) => ({
  tenantId: 't',
  connectionId: 'shop',
  settings,
  secrets: { clientSecret: 'shpss_actions_0123456789', accessToken: token },
  now: () => new Date(),
  idempotencyKey,
  signal: new AbortController().signal,
});
const order = (id: string) => ({ externalId: id, currency: 'USD' }) as unknown as Order;
const fulfillment = (lines: { lineId: string; quantity: number }[], numbers: string[]) =>
  ({
    id: 'f',
    status: 'in_transit',
    lines,
    carrier: 'UPS',
    trackingNumbers: numbers,
    trackingUrls: [],
  }) as unknown as Order['fulfillments'][number];

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  fake.orders.set('5923847102938475623', {
    cancelledAt: null,
    // Two locations: the shoes ship from one fulfillment order, the socks from another.
    fulfillmentOrders: [
      {
        id: 'gid://shopify/FulfillmentOrder/1',
        status: 'OPEN',
        lineItems: [
          {
            id: 'gid://shopify/FulfillmentOrderLineItem/11',
            remainingQuantity: 2,
            lineItemId: '14500000000000000017',
          },
        ],
      },
      {
        id: 'gid://shopify/FulfillmentOrder/2',
        status: 'OPEN',
        lineItems: [
          {
            id: 'gid://shopify/FulfillmentOrderLineItem/21',
            remainingQuantity: 3,
            lineItemId: '14500000000000000019',
          },
        ],
      },
    ],
    fulfillments: [],
    transactions: [
      {
        id: 'gid://shopify/OrderTransaction/7',
        kind: 'SALE',
        status: 'SUCCESS',
        gateway: 'shopify_payments',
      },
    ],
    refunds: [],
  });
});
afterAll(() => server.close());

describe('Shopify write-back', () => {
  const id = '5923847102938475623';

  it('fulfills lines across fulfillment orders with tracking, once per step', async () => {
    const push = () =>
      shopify.actions!.pushFulfillment!(context('wf:ship-1'), {
        order: order(id),
        fulfillment: fulfillment(
          [
            { lineId: '14500000000000000017', quantity: 2 },
            { lineId: '14500000000000000019', quantity: 1 },
          ],
          ['1Z999AA10123456784'],
        ),
        notifyCustomer: true,
      });
    const first = await push();
    const retried = await push();
    expect(retried).toEqual(first);
    const state = fake.orders.get(id)!;
    expect(state.fulfillments).toEqual([
      {
        id: first.externalId,
        trackingNumbers: ['1Z999AA10123456784'],
        lines: [
          { id: 'gid://shopify/FulfillmentOrderLineItem/11', quantity: 2 },
          { id: 'gid://shopify/FulfillmentOrderLineItem/21', quantity: 1 },
        ],
        notifyCustomer: true,
        location: '1',
      },
    ]);
    expect(state.fulfillmentOrders.map((fo) => fo.status)).toEqual(['CLOSED', 'IN_PROGRESS']);
  });

  it('replaces the tracking of a pushed fulfillment, the same state however often', async () => {
    const pushed = fake.orders.get(id)!.fulfillments[0]!;
    const relabel = {
      ...fulfillment([], ['1ZNEWLABEL000001']),
      externalId: pushed.id.split('/').pop()!,
    } as Order['fulfillments'][number];
    for (let i = 0; i < 2; i++) {
      await shopify.actions!.updateTracking!(context('wf:track-1'), {
        order: order(id),
        fulfillment: relabel,
        notifyCustomer: false,
      });
    }
    expect(fake.orders.get(id)!.fulfillments[0]!.trackingNumbers).toEqual(['1ZNEWLABEL000001']);
  });

  it('refuses to fulfill more than is open, saying which line', async () => {
    await expect(
      shopify.actions!.pushFulfillment!(context('wf:ship-2'), {
        order: order(id),
        fulfillment: fulfillment([{ lineId: '14500000000000000019', quantity: 5 }], ['1Z999AA1099']),
        notifyCustomer: false,
      }),
    ).rejects.toThrow(/no open quantity left to fulfill for line 14500000000000000019/);
  });

  it('refunds under Shopify’s own idempotency key, and cancels once', async () => {
    const refund = () =>
      shopify.actions!.refundOrder!(context('wf:refund-1'), {
        order: order(id),
        amount: { amount: 1248, currency: 'USD' },
        reason: 'damaged',
        lines: [{ lineId: '14500000000000000019', quantity: 1 }],
      });
    const a = await refund();
    const b = await refund();
    expect(b).toEqual(a);
    expect(fake.orders.get(id)!.refunds).toEqual([{ id: a.externalId, key: 'wf:refund-1', amount: '12.48' }]);
    await shopify.actions!.cancelOrder!(context('wf:cancel'), { order: order(id), reason: 'customer asked' });
    const cancelledAt = fake.orders.get(id)!.cancelledAt;
    expect(cancelledAt).not.toBeNull();
    await shopify.actions!.cancelOrder!(context('wf:cancel'), { order: order(id), reason: 'customer asked' });
    expect(fake.orders.get(id)!.cancelledAt).toBe(cancelledAt);
  });
});

describe('Shopify annotations', () => {
  const id = '5923847102938475623';
  const annotate = (key: string, tags: string[], note?: string) =>
    shopify.actions!.annotateOrder!(context(key), { order: order(id), tags, ...(note ? { note } : {}) });

  it('adds tags and a note line once per step, keeping what staff wrote', async () => {
    const target = fake.orders.get(id)!;
    target.tags = ['vip'];
    target.note = 'Gift wrap, please';
    await annotate('wf:hold', ['vip', 'switchyard-hold'], 'Held: address could not be verified');
    await annotate('wf:hold', ['vip', 'switchyard-hold'], 'Held: address could not be verified');
    expect(target.tags).toEqual(['vip', 'switchyard-hold']);
    expect(target.note).toMatch(
      /^Gift wrap, please\nHeld: address could not be verified \(ref SY-[0-9a-f]{10}\)$/,
    );
    await annotate('wf:release', ['switchyard-released'], 'Released after review');
    expect(target.note!.split('\n')).toHaveLength(3);
    expect(target.tags).toEqual(['vip', 'switchyard-hold', 'switchyard-released']);
  });

  it('keeps the note within Shopify’s 5,000 characters by dropping the oldest lines', async () => {
    const target = fake.orders.get(id)!;
    target.note = Array.from({ length: 60 }, (_, i) => `line ${i} ${'x'.repeat(90)}`).join('\n');
    await annotate('wf:late', [], 'The newest word');
    expect(target.note!.length).toBeLessThanOrEqual(5000);
    expect(target.note).toMatch(/The newest word \(ref SY-[0-9a-f]{10}\)$/);
    expect(target.note).not.toContain('line 0 ');
    expect(target.note).toContain('line 59 ');
  });

  it('names the order Shopify does not have', async () => {
    await expect(
      shopify.actions!.annotateOrder!(context('wf:x'), { order: order('404'), tags: ['a'] }),
    ).rejects.toThrow(/Shopify has no order 404/);
  });
});

describe('Shopify webhook subscriptions', () => {
  it('creates what is missing, repoints what points elsewhere, and changes nothing the second time', async () => {
    const url = 'https://hub.example.com/webhooks/shop';
    fake.subscriptions.push({
      id: 'gid://shopify/WebhookSubscription/900',
      topic: 'ORDERS_UPDATED',
      uri: 'https://old-hub.example.com/hooks',
    });
    const subscribe = () =>
      shopify.webhook!.subscribe!(context('unused'), { url, signal: new AbortController().signal });
    expect(await subscribe()).toEqual({
      created: [
        'ORDERS_CREATE',
        'ORDERS_CANCELLED',
        'REFUNDS_CREATE',
        'FULFILLMENTS_CREATE',
        'FULFILLMENTS_UPDATE',
      ],
      updated: ['ORDERS_UPDATED'],
      unchanged: [],
    });
    expect(await subscribe()).toEqual({
      created: [],
      updated: [],
      unchanged: expect.arrayContaining(['ORDERS_CREATE', 'ORDERS_UPDATED']),
    });
    expect(fake.subscriptions.every((x) => x.uri === url)).toBe(true);
    expect(fake.subscriptions).toHaveLength(6);
  });

  it('subscribes inventory_levels/update only when the settings ask for stock', async () => {
    const url = 'https://hub.example.com/webhooks/shop';
    const signal = new AbortController().signal;
    const withStock = {
      ...context('unused'),
      settings: shopify.settings.parse({ shop, stockWebhooks: true }),
    };
    expect(fake.subscriptions.some((x) => x.topic === 'INVENTORY_LEVELS_UPDATE')).toBe(false);
    expect(await shopify.webhook!.subscribe!(withStock, { url, signal })).toEqual({
      created: ['INVENTORY_LEVELS_UPDATE'],
      updated: [],
      unchanged: expect.arrayContaining(['ORDERS_CREATE', 'FULFILLMENTS_UPDATE']),
    });
    expect(fake.subscriptions.filter((x) => x.topic === 'INVENTORY_LEVELS_UPDATE')).toEqual([
      expect.objectContaining({ uri: url }),
    ]);
    // Without the setting the topic is neither subscribed nor removed.
    const without = await shopify.webhook!.subscribe!(context('unused'), { url, signal });
    expect(without.unchanged).not.toContain('INVENTORY_LEVELS_UPDATE');
    expect(fake.subscriptions).toHaveLength(7);
  });

  it('names the scope when Shopify refuses the inventory_levels/update subscription', async () => {
    const url = 'https://other-hub.example.com/webhooks/shop';
    fake.subscriptions.splice(0, fake.subscriptions.length);
    fake.unscopedTopics.add('INVENTORY_LEVELS_UPDATE');
    try {
      const withStock = {
        ...context('unused'),
        settings: shopify.settings.parse({ shop, stockWebhooks: true }),
      };
      await expect(
        shopify.webhook!.subscribe!(withStock, { url, signal: new AbortController().signal }),
      ).rejects.toThrow(
        /subscribing to INVENTORY_LEVELS_UPDATE \(the token needs read_inventory\): .*Access denied/,
      );
    } finally {
      fake.unscopedTopics.clear();
    }
  });
});
