import { easypost } from '@switchyard/connector-easypost';
import { fakeEasyPost } from '@switchyard/connector-easypost/testing';
import { API_VERSION, shopify, shopifySignature } from '@switchyard/connector-shopify';
import { fakeShopify } from '@switchyard/connector-shopify/testing';
import { woocommerce } from '@switchyard/connector-woocommerce';
import { fakeWooCommerce } from '@switchyard/connector-woocommerce/testing';
import {
  type AnyConnector,
  applyMovements,
  applyOrder,
  type Connection,
  checkLedger,
  type Engine,
  getOrder,
  IntakeQueue,
  type Loop,
  type Order,
  OrderDraft,
  type ResolvedConnection,
} from '@switchyard/core';
import { createTestDatabase, sampleDraft, type TestDatabase } from '@switchyard/core/testing';
import {
  ORDER_EVENTS_TOPIC,
  orderWorkflow,
  orderWorkflowId,
  resolvePlans,
  startDbosEngine,
  startStockPusher,
  startStockReports,
} from '@switchyard/workflows';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConnections } from '../support/connections.ts';
import { eventually } from '../support/eventually.ts';

/**
 * Issue 13's "done when", end to end in one process: an order whose lines sit in two locations is routed,
 * the decision explained on its timeline, split into two shipments with two labels from two addresses and two
 * partial fulfillments at two Shopify locations; the stock figures on the fake Shopify and WooCommerce follow
 * every reservation, shipment and cancellation. Real clients against the msw fakes, the DBOS engine, PostgreSQL.
 */
const shop = 'route-demo.myshopify.com';
const shopToken = 'shpat_route_0123456789';
const easypostKey = 'EZTK_route_0123456789';
const wooSite = 'https://route-woo.example.com';
const wooKeys = { consumerKey: 'ck_route_0123456789', consumerSecret: 'cs_route_0123456789' };
const shopifyFake = fakeShopify(shop, API_VERSION, shopToken);
const easypostFake = fakeEasyPost(easypostKey);
const wooFake = fakeWooCommerce(wooSite, wooKeys.consumerKey, wooKeys.consumerSecret);
const server = setupServer(...shopifyFake.handlers, ...easypostFake.handlers, ...wooFake.handlers);

const EAST = '1001';
const WEST = '1002';
const address = (street1: string, city: string, state: string, zip: string) => ({
  street1,
  city,
  state,
  zip,
  country: 'US',
});
const locations = [
  {
    id: 'east',
    tenant: 'acme',
    kind: 'warehouse',
    address: { company: 'Acme East', ...address('1 Market St', 'Newark', 'NJ', '07102') },
    priority: 1,
  },
  {
    id: 'west',
    tenant: 'acme',
    kind: 'warehouse',
    address: { company: 'Acme West', ...address('800 Alameda St', 'Los Angeles', 'CA', '90021') },
  },
];
const parts = [
  ['shop', shopify, { shop }, { clientSecret: 'shpss_route_0123456789', accessToken: shopToken }],
  ['shipping', easypost, {}, { apiKey: easypostKey, webhookSecret: 'ep-route-secret' }],
  ['woo', woocommerce, { siteUrl: wooSite }, { webhookSecret: 'woo-route-secret', ...wooKeys }],
] as const;
const connections = new Map<string, Connection>(
  parts.map(([id, connector, settings, secrets]) => {
    const c = connector as unknown as AnyConnector;
    return [
      id,
      {
        id,
        tenantId: 'acme',
        connector: c,
        settings: c.settings.parse(settings),
        secrets: c.secrets.parse(secrets),
      },
    ];
  }),
);
const resolved: ResolvedConnection[] = parts.map(([id, connector, settings, secrets]) => ({
  id,
  tenantId: 'acme',
  connector: (connector as unknown as AnyConnector).id,
  settings,
  secrets,
  defaultedEnv: [],
  ...(id === 'shop'
    ? {
        fulfillment: {
          payment: 'channel',
          shipping: 'shipping',
          shippingRules: { rules: [{ method: 'Standard', maxDays: 5, carriers: ['USPS', 'UPS'] }] },
          parcel: { weightGrams: 500 },
          routing: { backorder: 'hold' },
        },
        stock: {
          locations: [
            { channelLocation: EAST, from: ['east'] },
            { channelLocation: WEST, from: ['west'] },
          ],
          // Staff count the west store in Shopify's admin: its figures there are the truth.
          systemOfRecord: ['west'],
        },
      }
    : {}),
  ...(id === 'woo' ? { stock: { locations: [{ from: ['east', 'west'] }], buffer: { holdBack: 1 } } } : {}),
}));
const { plans, stock, issues } = resolvePlans(
  resolved,
  new Map(parts.map(([, c]) => [(c as unknown as AnyConnector).id, c as unknown as AnyConnector])),
  locations,
);

/** Orders (by Shopify id) routed by another backorder policy than the connection's, rechecked every 100 ms. */
const policies = new Map<string, 'hold' | 'ship-available' | 'cancel-line'>();
const planOf = (o: Order) => {
  const base = plans.get(o.source.connectionId)!;
  const policy = policies.get(o.externalId);
  if (!policy) return base;
  const routing = base.routing!;
  return { ...base, routing: { ...routing, rules: { ...routing.rules, backorder: policy }, recheckMs: 100 } };
};

let db: TestDatabase;
let engine: Engine;
let pusher: Loop;
let reports: Loop;
let next = 100;

async function placeOrder(lines: { sku: string; quantity: number }[], policy?: 'hold' | 'cancel-line') {
  // Beyond 2^53, as Shopify's ids are: built as text, since such numbers are not all distinct as doubles.
  const id = `90071992547${String(next++).padStart(5, '0')}`;
  if (policy) policies.set(id, policy);
  shopifyFake.orders.set(id, {
    cancelledAt: null,
    fulfillmentOrders: [
      {
        id: `gid://shopify/FulfillmentOrder/${id}`,
        status: 'OPEN',
        assignedLocation: EAST,
        lineItems: lines.map((l, i) => ({
          id: `gid://shopify/FulfillmentOrderLineItem/${id}${i}`,
          remainingQuantity: l.quantity,
          lineItemId: `${id}${i}`,
        })),
      },
    ],
    fulfillments: [],
    transactions: [],
    refunds: [],
  });
  const draft = OrderDraft.parse(
    sampleDraft(id, {
      shippingAddress: {
        name: 'Ann Lee',
        line1: '179 N Harbor Dr',
        city: 'Redondo Beach',
        region: 'CA',
        postalCode: '90277',
        country: 'US',
      },
      lines: lines.map((l, i) => ({
        id: `${id}${i}`,
        externalId: `${id}${i}`,
        sku: l.sku,
        title: l.sku,
        quantity: { ordered: l.quantity },
        unitPrice: { amount: 1000, currency: 'USD' },
        weightGrams: 300,
      })),
      shippingLines: [{ code: 'Standard', title: 'Standard', price: { amount: 0, currency: 'USD' } }],
    }),
  );
  const made = await applyOrder(
    db.sql,
    { tenantId: 'acme', connectionId: 'shop', connector: 'shopify' },
    draft,
    null,
  );
  return { orderId: made.orderId, shopifyId: id, workflowId: orderWorkflowId(made.orderId) };
}

const figures = () => ({
  shop: { mug: shopifyFake.stock.get('MUG', EAST), lamp: shopifyFake.stock.get('LAMP', WEST) },
  woo: { mug: wooFake.stock.get('MUG'), lamp: wooFake.stock.get('LAMP') },
});

beforeAll(async () => {
  expect(issues).toEqual([]);
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase();
  await storeConnections(db.sql, connections.values());
  shopifyFake.stock.set('MUG', EAST, 0);
  shopifyFake.stock.set('LAMP', WEST, 0);
  wooFake.stock.set('MUG', 0);
  wooFake.stock.set('LAMP', 0);
  engine = await startDbosEngine({
    databaseUrl: db.url,
    executorId: 'routing-test',
    applicationVersion: 'test',
    workflows: [orderWorkflow({ sql: db.sql, connections, plan: planOf })],
    log: () => {},
  });
  pusher = startStockPusher({
    sql: db.sql,
    connections,
    channels: stock,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    everyMs: 50,
    settleMs: 0,
    maxWaitMs: 0,
  });
  reports = startStockReports({
    sql: db.sql,
    connections,
    channels: stock,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    everyMs: 50,
    settleMs: 0,
  });
  const receipt = (sku: string, locationId: string, quantity: number) => ({
    tenantId: 'acme',
    sku,
    locationId,
    kind: 'receipt' as const,
    quantity,
    idempotencyKey: `po:${sku}:${locationId}`,
  });
  await applyMovements(db.sql, [receipt('MUG', 'east', 5), receipt('LAMP', 'west', 3)]);
});
afterAll(async () => {
  await reports?.stop();
  await pusher?.stop();
  await engine?.stop();
  server.close();
  await db?.drop();
});

describe('routing an order across locations', () => {
  it('pushes received stock to both channels, by location on Shopify and summed less the buffer on Woo', async () => {
    await eventually('the figures on the channels', () => {
      const f = figures();
      return f.shop.mug === 5 && f.shop.lamp === 3 && f.woo.mug === 4 && f.woo.lamp === 2;
    });
  });

  it('splits an order no location can ship alone into two shipments, explained, with two labels and two partial fulfillments', async () => {
    const { orderId, shopifyId, workflowId } = await placeOrder([
      { sku: 'MUG', quantity: 2 },
      { sku: 'LAMP', quantity: 1 },
    ]);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    const fake = shopifyFake.orders.get(shopifyId)!;
    await eventually('two fulfillments on Shopify', () => fake.fulfillments.length === 2);

    const detail = (await getOrder(db.sql, 'acme', orderId))!;
    const routed = detail.timeline.find((e) => e.type === 'order.routed')!;
    expect(routed.data).toMatchObject({ outcome: 'split', shipments: [{ n: 1 }, { n: 2 }] });
    expect(String(routed.data.summary)).toMatch(/2 shipments/);
    const candidates = routed.data.candidates as { locationId: string; verdict: string; reasons: string[] }[];
    expect(candidates.map((c) => [c.locationId, c.verdict])).toEqual(
      expect.arrayContaining([
        ['east', 'chosen'],
        ['west', 'chosen'],
      ]),
    );
    expect(candidates.every((c) => c.reasons.length > 0)).toBe(true);

    // Two carrier shipments, each from its location's address, each bought once.
    const made = [...easypostFake.shipments.values()].filter((s) =>
      s.reference?.startsWith(`${workflowId}/create-shipment`),
    );
    expect(Object.fromEntries(made.map((s) => [s.reference, s.from_address.zip]))).toEqual({
      [`${workflowId}/create-shipment`]: '07102',
      [`${workflowId}/create-shipment#2`]: '90021',
    });
    expect(made.every((s) => easypostFake.purchases.filter((p) => p === s.id).length === 1)).toBe(true);

    // Two partial fulfillments at two Shopify locations: the lamp's line moved to the west location first.
    const at = (location: string) =>
      shopifyFake.fulfillmentsAt(location).filter((f) => f.orderId === shopifyId);
    expect(at(EAST).map((f) => f.lines.map((l) => l.quantity))).toEqual([[2]]);
    expect(at(WEST).map((f) => f.lines.map((l) => l.quantity))).toEqual([[1]]);
    expect(shopifyFake.moves.some((m) => m.to === WEST)).toBe(true);

    // Shipped: the units left the shelves; what can be promised is what it was less what was sold.
    await eventually('the figures after the shipments', () => {
      const f = figures();
      return f.shop.mug === 3 && f.shop.lamp === 2 && f.woo.mug === 2 && f.woo.lamp === 1;
    });
    const [levels] = await db.sql<{ on_hand: string; reserved: string }[]>`
      select sum(on_hand) as on_hand, sum(reserved) as reserved from stock_levels where tenant_id = 'acme'`;
    expect(levels).toEqual({ on_hand: '5', reserved: '0' });

    for (const s of made) {
      await engine.signal(
        workflowId,
        ORDER_EVENTS_TOPIC,
        { kind: 'tracking', status: 'delivered', trackingCode: s.tracking_code },
        { dedupeKey: `delivered-${s.id}` },
      );
    }
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'delivered' },
    });
    expect(await checkLedger(db.sql, 'acme')).toEqual([]);
  });

  it('shows a reservation on the channels at once, and gives the units back when the order is cancelled', async () => {
    let open!: () => void;
    easypostFake.gate = new Promise<void>((resolve) => (open = resolve));
    const { orderId, workflowId } = await placeOrder([{ sku: 'MUG', quantity: 1 }]);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await eventually(
      'the reservation on the channels',
      () => {
        const f = figures();
        return f.shop.mug === 2 && f.woo.mug === 1;
      },
      { describe: () => JSON.stringify(figures()) },
    );
    await db.sql`update orders set status = 'cancelled' where id = ${orderId}`;
    easypostFake.gate = undefined;
    open();
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'cancelled' },
    });
    await eventually('the units back on the channels', () => {
      const f = figures();
      return f.shop.mug === 3 && f.woo.mug === 2;
    });
    const types = (await getOrder(db.sql, 'acme', orderId))!.timeline.map((e) => e.type);
    expect(types).toEqual(['order.created', 'order.routed', 'stock.released', 'order.cancelled']);
    expect(await checkLedger(db.sql, 'acme')).toEqual([]);
  });

  it('holds an order no location can fill, and ships it whole once the stock arrives', async () => {
    const { orderId, shopifyId, workflowId } = await placeOrder([{ sku: 'LAMP', quantity: 4 }], 'hold');
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await eventually('the backorder on the timeline', async () =>
      (await getOrder(db.sql, 'acme', orderId))!.timeline.some((e) => e.type === 'order.backordered'),
    );
    expect(shopifyFake.orders.get(shopifyId)!.fulfillments).toHaveLength(0);
    await applyMovements(db.sql, [
      {
        tenantId: 'acme',
        sku: 'LAMP',
        locationId: 'west',
        kind: 'receipt',
        quantity: 2,
        idempotencyKey: 'po:lamp-2',
      },
    ]);
    await eventually(
      'the fulfillment once stocked',
      () => shopifyFake.orders.get(shopifyId)!.fulfillments.length === 1,
    );
    const routed = (await getOrder(db.sql, 'acme', orderId))!.timeline.filter((e) =>
      e.type.startsWith('order.'),
    );
    expect(routed.map((e) => [e.type, e.data.round ?? null])).toEqual([
      ['order.created', null],
      ['order.backordered', 1],
      ['order.routed', expect.any(Number)],
    ]);
    expect(shopifyFake.fulfillmentsAt(WEST).find((f) => f.orderId === shopifyId)!.lines[0]!.quantity).toBe(4);
  });

  it('cancels what no location has under cancel-line, telling the channel, and ships the rest', async () => {
    const { orderId, shopifyId, workflowId } = await placeOrder(
      [
        { sku: 'MUG', quantity: 1 },
        { sku: 'LAMP', quantity: 9 },
      ],
      'cancel-line',
    );
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    const fake = shopifyFake.orders.get(shopifyId)!;
    await eventually('the fulfillment of the mug', () => fake.fulfillments.length === 1);
    expect(fake.tags).toContain('switchyard-lines-cancelled');
    expect(fake.note).toMatch(/no location has 9 × LAMP/);
    const types = (await getOrder(db.sql, 'acme', orderId))!.timeline.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      'order.created',
      'order.routed',
      'lines.cancelled',
      'label.purchased',
    ]);
    expect(await checkLedger(db.sql, 'acme')).toEqual([]);
  });

  it('cancels an order none of whose units any location has under cancel-line', async () => {
    const { orderId, shopifyId, workflowId } = await placeOrder(
      [{ sku: 'LAMP', quantity: 50 }],
      'cancel-line',
    );
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    expect(await engine.settled(workflowId)).toMatchObject({
      state: 'succeeded',
      output: { outcome: 'cancelled' },
    });
    const timeline = (await getOrder(db.sql, 'acme', orderId))!.timeline;
    expect(timeline.map((e) => e.type)).toEqual([
      'order.created',
      'order.routed',
      'lines.cancelled',
      'order.cancelled',
    ]);
    expect(timeline.at(-1)!.data.reason).toMatch(/no location has any of the order/);
    expect(shopifyFake.orders.get(shopifyId)!.fulfillments).toHaveLength(0);
  });

  /** A change made in Shopify's admin, delivered as Shopify sends it, through the hub's intake. */
  async function levelChangedInShopify(sku: string, location: string, available: number, n: number) {
    shopifyFake.stock.set(sku, location, available);
    const body = JSON.stringify({
      inventory_item_id: Number(shopifyFake.stock.itemOf(sku)),
      location_id: Number(location),
      available,
      updated_at: new Date().toISOString(),
      admin_graphql_api_id: `gid://shopify/InventoryLevel/${location}?inventory_item_id=${shopifyFake.stock.itemOf(sku)}`,
    });
    const stored = await new IntakeQueue(db.sql).receive(connections.get('shop')!, {
      method: 'POST',
      path: '/webhooks/shop',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'inventory_levels/update',
        'x-shopify-shop-domain': shop,
        'x-shopify-webhook-id': `stock-${n}`,
        'x-shopify-hmac-sha256': shopifySignature('shpss_route_0123456789', body),
      },
      body: new Uint8Array(Buffer.from(body)),
      contentType: 'application/json',
      receivedAt: new Date(),
    });
    expect(stored).toMatchObject({ status: 'ignored' });
  }

  it("overwrites a figure changed in Shopify's admin where the hub is the system of record", async () => {
    const [east] = await db.sql<{ available: string }[]>`
      select on_hand - reserved - safety_stock as available from stock_levels
      where sku = 'MUG' and location_id = 'east'`;
    const hub = Number(east!.available);
    await eventually('the hub’s figure on Shopify', () => figures().shop.mug === hub);
    await levelChangedInShopify('MUG', EAST, 50, 1);
    await eventually('the hub’s figure back on Shopify', () => figures().shop.mug === hub, {
      describe: () => JSON.stringify(figures()),
    });
    const [after] = await db.sql<{ available: string }[]>`
      select on_hand - reserved - safety_stock as available from stock_levels
      where sku = 'MUG' and location_id = 'east'`;
    expect(Number(after!.available)).toBe(hub);
  });

  it("takes a figure changed in Shopify's admin as a count where Shopify is the system of record", async () => {
    await levelChangedInShopify('LAMP', WEST, 7, 2);
    await eventually('the count in the ledger, and the new figure on Woo', async () => {
      const [west] = await db.sql<{ on_hand: string }[]>`
        select on_hand from stock_levels where sku = 'LAMP' and location_id = 'west'`;
      return Number(west!.on_hand) === 7 && figures().woo.lamp === 6;
    });
    const [count] = await db.sql<{ kind: string; reason: string }[]>`
      select kind, reason from stock_movements where sku = 'LAMP' order by id desc limit 1`;
    expect(count).toMatchObject({ kind: 'count', reason: expect.stringMatching(/system of record/) });
    expect(await checkLedger(db.sql, 'acme')).toEqual([]);
  });
});
