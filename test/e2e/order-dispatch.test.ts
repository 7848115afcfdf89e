import { easypost } from '@switchyard/connector-easypost';
import { httpJson } from '@switchyard/connector-http-json';
import { shopify } from '@switchyard/connector-shopify';
import { stripe } from '@switchyard/connector-stripe';
import {
  type AnyConnector,
  applyOrder,
  defineWorkflow,
  type Engine,
  OrderDraft,
  type ResolvedConnection,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, sampleDraft, type TestDatabase } from '@switchyard/core/testing';
import { resolvePlans, startDbosEngine, startOrderDispatcher } from '@switchyard/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Fulfillment plans from config, and the dispatcher that starts one order workflow per new order. */
const connectors = new Map<string, AnyConnector>(
  [easypost, httpJson, shopify, stripe].map((c) => [c.id, c as unknown as AnyConnector]),
);
const fulfillment = {
  payment: 'capture-on-ship',
  payments: 'payments',
  shipping: 'shipping',
  shipFrom: { street1: '388 Townsend St', city: 'San Francisco', state: 'CA', zip: '94107', country: 'US' },
  shippingRules: { rules: [{ method: 'Standard', maxDays: 5 }] },
  parcel: { weightGrams: 500 },
};
const resolved = (
  id: string,
  connector: string,
  extra: Partial<ResolvedConnection> = {},
): ResolvedConnection => ({
  id,
  tenantId: 'acme',
  connector,
  settings: {},
  secrets: {},
  defaultedEnv: [],
  ...extra,
});

describe('fulfillment plans', () => {
  it('resolves a channel’s plan when the connections it names can do what is asked', () => {
    const { plans, issues } = resolvePlans(
      [
        resolved('shop', 'shopify', { fulfillment }),
        resolved('payments', 'stripe'),
        resolved('shipping', 'easypost'),
      ],
      connectors,
    );
    expect(issues).toEqual([]);
    expect(plans.get('shop')).toMatchObject({
      payment: 'capture-on-ship',
      paymentsConnection: 'payments',
      shippingConnection: 'shipping',
    });
  });

  it('names every problem with its path and a fix', () => {
    const { plans, issues } = resolvePlans(
      [
        resolved('shop', 'shopify', {
          fulfillment: { ...fulfillment, shipping: 'payments', payments: undefined },
        }),
        resolved('feed', 'http-json', { fulfillment }),
        resolved('other', 'shopify', { fulfillment: { ...fulfillment, payment: 'cash' } }),
        resolved('payments', 'stripe'),
        resolved('shipping', 'easypost'),
      ],
      connectors,
    );
    expect(plans.size).toBe(0);
    expect(issues.map((i) => `${i.path}: ${i.problem}`)).toEqual([
      'connections[0](id "shop").fulfillment.shipping: connection "payments" (stripe) cannot do shipment.label',
      'connections[0](id "shop").fulfillment.payments: payment "capture-on-ship" needs a payments connection',
      'connections[1](id "feed").fulfillment: connection "feed" (http-json) cannot take fulfillments back',
      expect.stringMatching(/^connections\[2\]\(id "other"\)\.fulfillment: payment: /),
    ]);
  });
});

describe('the order dispatcher', () => {
  let db: TestDatabase;
  let engine: Engine;
  const seen: string[] = [];
  const source = { tenantId: 'acme', connectionId: 'shop', connector: 'shopify' };
  const place = (id: string) => applyOrder(db.sql, source, OrderDraft.parse(sampleDraft(id)), null);

  beforeAll(async () => {
    db = await createTestDatabase();
    await syncConfig(
      db.sql,
      {
        tenants: [{ id: 'acme', name: 'Acme' }],
        connections: [
          {
            id: 'shop',
            tenantId: 'acme',
            connector: 'shopify',
            settings: { shop: 'x.myshopify.com' },
            secrets: {},
            defaultedEnv: [],
          },
          {
            id: 'feed',
            tenantId: 'acme',
            connector: 'http-json',
            settings: {},
            secrets: {},
            defaultedEnv: [],
          },
        ],
        server: serverLimits({ bodyLimit: 1 << 20 }),
      },
      SecretBox.fromString(SecretBox.generateKey()),
    );
    engine = await startDbosEngine({
      databaseUrl: db.url,
      executorId: 'dispatch-test',
      applicationVersion: 'test',
      // The dispatcher's part is to start `order` once per order; what the workflow does is tested elsewhere.
      workflows: [
        defineWorkflow({
          name: 'order',
          run: async (_ctx, input: { orderId: string }) => void seen.push(input.orderId),
        }),
      ],
      log: () => {},
    });
  });
  afterAll(async () => {
    await engine?.stop();
    await db?.drop();
  });

  it('starts one workflow per new order of a managed connection, never for orders from before', async () => {
    const before = await place('1001');
    await new Promise((r) => setTimeout(r, 20));
    const first = startOrderDispatcher({
      sql: db.sql,
      engine,
      managed: ['shop'],
      log: { error: () => {} },
      everyMs: 50,
    });
    // Activated now: the earlier order is history, not a new order to ship.
    await new Promise((r) => setTimeout(r, 200));
    await first.stop();
    const after = await place('1002');
    await db.sql`insert into orders (id, tenant_id, connection_id, connector, external_id, status, currency, total_amount, placed_at, source_updated_at, version, data)
      select 'ord_feed_1', tenant_id, 'feed', 'http-json', 'f1', status, currency, total_amount, placed_at, source_updated_at, 1, data from orders where id = ${after.orderId}`;
    // Two hub processes' dispatchers at once: each order still gets one start.
    const a = startOrderDispatcher({
      sql: db.sql,
      engine,
      managed: ['shop'],
      log: { error: () => {} },
      everyMs: 50,
    });
    const b = startOrderDispatcher({
      sql: db.sql,
      engine,
      managed: ['shop'],
      log: { error: () => {} },
      everyMs: 50,
    });
    const deadline = Date.now() + 10_000;
    while (!seen.includes(after.orderId) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await Promise.all([a.stop(), b.stop()]);
    expect(seen).toEqual([after.orderId]);
    const rows = await db.sql<{ id: string; started: boolean }[]>`
      select id, workflow_started_at is not null as started from orders order by id`;
    expect(rows).toEqual(
      expect.arrayContaining([
        { id: before.orderId, started: false },
        { id: after.orderId, started: true },
        { id: 'ord_feed_1', started: false },
      ]),
    );
    expect((await engine.status(`order:${after.orderId}`))?.state).toBe('succeeded');
  });
});
