import type { Order } from '@switchyard/core';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, shopify } from '../src/index.ts';
import { fakeShopify } from './fakes/index.ts';

/** A routed shipment's fulfillment: lines moved to the shipment's location first, each effect once. */
const shop = 'routed-demo.myshopify.com';
const token = 'shpat_routed_0123456789';
const fake = fakeShopify(shop, API_VERSION, token);
const server = setupServer(...fake.handlers);
const settings = shopify.settings.parse({ shop });
const context = (idempotencyKey: string) => ({
  tenantId: 't',
  connectionId: 'shop',
  settings,
  secrets: { clientSecret: 'shpss_routed_0123456789', accessToken: token },
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

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('Shopify fulfillment from a routed location', () => {
  // One fulfillment order at the shop's primary location (1) holds both lines: 3 caps and 1 scarf.
  const id = '5923847102938475700';
  const caps = '14500000000000000031';
  const scarf = '14500000000000000032';
  const seed = () =>
    fake.orders.set(id, {
      cancelledAt: null,
      fulfillmentOrders: [
        {
          id: 'gid://shopify/FulfillmentOrder/70',
          status: 'OPEN',
          lineItems: [
            { id: 'gid://shopify/FulfillmentOrderLineItem/701', remainingQuantity: 3, lineItemId: caps },
            { id: 'gid://shopify/FulfillmentOrderLineItem/702', remainingQuantity: 1, lineItemId: scarf },
          ],
        },
      ],
      fulfillments: [],
      transactions: [],
      refunds: [],
    });
  const at = (location: string) => fake.fulfillmentsAt(location);
  const ship = (
    key: string,
    lines: { lineId: string; quantity: number }[],
    tracking: string,
    location?: string,
  ) =>
    shopify.actions!.pushFulfillment!(context(key), {
      order: order(id),
      fulfillment: fulfillment(lines, [tracking]),
      notifyCustomer: false,
      ...(location ? { location } : {}),
    });

  it('moves just the shipped quantities to the location, then fulfills only those there', async () => {
    seed();
    fake.moves.length = 0;
    const done = await ship('wf:routed-1', [{ lineId: caps, quantity: 2 }], '1ZROUTED0001', '2');
    expect(fake.moves).toEqual([
      {
        fulfillmentOrderId: 'gid://shopify/FulfillmentOrder/70',
        to: '2',
        lines: [{ id: 'gid://shopify/FulfillmentOrderLineItem/701', quantity: 2 }],
      },
    ]);
    const state = fake.orders.get(id)!;
    const [original, moved] = state.fulfillmentOrders;
    // The original keeps 1 cap and the scarf at location 1, untouched; the moved one is fulfilled and closed.
    expect([original!.status, original!.assignedLocation]).toEqual(['OPEN', undefined]);
    expect(original!.lineItems.map((l) => l.remainingQuantity)).toEqual([1, 1]);
    expect(moved).toMatchObject({ status: 'CLOSED', assignedLocation: 'gid://shopify/Location/2' });
    expect(at('2')).toEqual([
      expect.objectContaining({
        id: done.externalId,
        orderId: id,
        lines: [{ id: moved!.lineItems[0]!.id, quantity: 2 }],
      }),
    ]);
    expect(at('gid://shopify/Location/1')).toEqual([]);

    // The rest ships from the primary location as it is: nothing moves.
    await ship(
      'wf:routed-2',
      [
        { lineId: caps, quantity: 1 },
        { lineId: scarf, quantity: 1 },
      ],
      '1ZROUTED0002',
      'gid://shopify/Location/1',
    );
    expect(fake.moves).toHaveLength(1);
    expect(at('1')).toHaveLength(1);
    expect(state.fulfillmentOrders.map((fo) => fo.status)).toEqual(['CLOSED', 'CLOSED']);
  });

  it('moves once and fulfills once when the step is retried after a lost answer', async () => {
    seed();
    fake.moves.length = 0;
    const lines = [{ lineId: caps, quantity: 1 }];
    // The move takes effect but its answer is lost: the step fails and runs again.
    fake.loseAnswer.add('SwitchyardFulfillmentOrderMove');
    await expect(ship('wf:routed-3', lines, '1ZROUTED0003', '3')).rejects.toThrow(/503/);
    expect(fake.moves).toHaveLength(1);
    // Then the fulfillment is made but its answer is lost too.
    fake.loseAnswer.add('SwitchyardFulfill');
    await expect(ship('wf:routed-3', lines, '1ZROUTED0003', '3')).rejects.toThrow(/503/);
    const again = await ship('wf:routed-3', lines, '1ZROUTED0003', '3');
    expect(fake.moves).toHaveLength(1);
    expect(at('3')).toEqual([expect.objectContaining({ id: again.externalId })]);
    expect(fake.orders.get(id)!.fulfillments).toHaveLength(1);
  });

  it('moves a line split over two fulfillment orders into the location’s own', async () => {
    fake.orders.set(id, {
      cancelledAt: null,
      fulfillmentOrders: [
        {
          id: 'gid://shopify/FulfillmentOrder/80',
          status: 'OPEN',
          assignedLocation: '4',
          lineItems: [
            { id: 'gid://shopify/FulfillmentOrderLineItem/801', remainingQuantity: 1, lineItemId: caps },
          ],
        },
        {
          id: 'gid://shopify/FulfillmentOrder/81',
          status: 'OPEN',
          assignedLocation: 'gid://shopify/Location/5',
          lineItems: [
            { id: 'gid://shopify/FulfillmentOrderLineItem/811', remainingQuantity: 2, lineItemId: caps },
          ],
        },
      ],
      fulfillments: [],
      transactions: [],
      refunds: [],
    });
    fake.moves.length = 0;
    await ship('wf:routed-4', [{ lineId: caps, quantity: 3 }], '1ZROUTED0004', '4');
    // The one cap at 4 stays; the two at 5 join it (the whole fulfillment order moves).
    expect(fake.moves.map((m) => [m.fulfillmentOrderId, m.to])).toEqual([
      ['gid://shopify/FulfillmentOrder/81', '4'],
    ]);
    expect(at('4')[0]!.lines).toEqual([
      { id: 'gid://shopify/FulfillmentOrderLineItem/801', quantity: 1 },
      { id: 'gid://shopify/FulfillmentOrderLineItem/811', quantity: 2 },
    ]);
  });

  it('says so when Shopify will not move the lines', async () => {
    seed();
    fake.unstockedLocations.add('9');
    await expect(ship('wf:routed-5', [{ lineId: scarf, quantity: 1 }], '1ZROUTED0005', '9')).rejects.toThrow(
      /Shopify refused to move order 5923847102938475700's lines to location 9 \(does it stock them\?\): newLocationId The destination location does not stock/,
    );
    expect(fake.orders.get(id)!.fulfillments).toEqual([]);
  });
});
