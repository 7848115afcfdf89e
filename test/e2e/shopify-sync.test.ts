import { API_VERSION, shopify } from '@switchyard/connector-shopify';
import { fakeShopify, shopifyNode } from '@switchyard/connector-shopify/testing';
import {
  type AnyConnector,
  type Connection,
  getOrder,
  listOrders,
  runSync,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The Shopify pull against a fake GraphQL Admin API with the cost-based throttle, shopify-api-node in the loop. */
const shop = 'sync-demo.myshopify.com';
const token = 'shpat_sync_0123456789';
// A small bucket so the throttle matters within a test: 300 points, 100 restored per second.
const fake = fakeShopify(shop, API_VERSION, token, { max: 300, restoreRate: 100, costPerNode: 10 });
const server = setupServer(...fake.handlers);
const settings = shopify.settings.parse({ shop, pageSize: 25 });
const secrets = { clientSecret: 'shpss_sync_0123456789', accessToken: token };
const connection: Connection = {
  id: 'shop',
  tenantId: 'acme',
  connector: shopify as unknown as AnyConnector,
  settings,
  secrets,
};
let db: TestDatabase;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase();
  await syncConfig(
    db.sql,
    {
      tenants: [{ id: 'acme', name: 'Acme' }],
      connections: [
        { id: 'shop', tenantId: 'acme', connector: 'shopify', settings, secrets, defaultedEnv: [] },
      ],
      server: serverLimits({ bodyLimit: 1 << 20 }),
    },
    SecretBox.fromString(SecretBox.generateKey()),
  );
  for (let i = 1; i <= 60; i++) {
    fake.nodes.push(
      shopifyNode(`90071992547409${String(100 + i)}`, `2026-11-20T10:00:${String(i % 60).padStart(2, '0')}Z`),
    );
  }
});
afterAll(async () => {
  server.close();
  await db?.drop();
});

describe('Shopify pull (GraphQL, cost-throttled)', () => {
  it('pages to the end, paced by the bucket so that no call is throttled', async () => {
    const left: (number | undefined)[] = [];
    const report = await runSync(db.sql, connection, { onPage: (p) => left.push(p.remaining) });
    // ordersCount tells what is left after each page, for the progress line's ETA.
    expect(left).toEqual([35, 10, 0]);
    expect(report).toMatchObject({
      status: 'completed',
      pages: 3,
      records: 60,
      missedByWebhooks: 60,
      exceptions: 0,
    });
    // 25 nodes cost 252 points; the bucket holds 300: the second page has to wait for the refill, never THROTTLED.
    expect(fake.calls.filter((c) => c.throttled)).toEqual([]);
    const { orders } = await listOrders(db.sql, 'acme', { limit: 500 });
    expect(orders).toHaveLength(60);
    expect(orders.map((o) => o.externalId)).toContain('90071992547409160');
    const one = await getOrder(db.sql, 'acme', orders[0]!.id);
    expect(one!.order.lines[0]!.id).toMatch(/^90071992547409\d{3}1$/);
  });

  it('waits out a THROTTLED answer when another app drained the bucket, then goes on', async () => {
    fake.calls.length = 0;
    fake.bucket.available = 0;
    fake.bucket.at = Date.now();
    fake.nodes[0]!.updatedAt = '2026-11-21T09:00:00Z';
    const report = await runSync(db.sql, connection);
    expect(report).toMatchObject({ status: 'completed', missedByWebhooks: 1 });
    expect(fake.calls.map((c) => c.throttled)).toEqual([true, false]);
  });

  it('halves its page when Shopify refuses a query as too expensive', async () => {
    fake.calls.length = 0;
    const greedy = { ...connection, settings: { ...settings, pageSize: 250 } };
    fake.nodes[1]!.updatedAt = '2026-11-21T09:30:00Z';
    const report = await runSync(db.sql, greedy);
    expect(report).toMatchObject({ status: 'completed', exceptions: 0 });
    // 250 nodes would cost 2,502 points, over the 1,000-point query limit, and 125 too (1,252); 62 (622) and
    // 31 (312) exceed this shop's 300-point bucket and can never be paid; 15 (152) runs.
    expect(fake.calls.map((c) => c.first).slice(0, 5)).toEqual([250, 125, 62, 31, 15]);
  });

  it('says plainly when Shopify refuses the access token', async () => {
    const wrong = { ...connection, secrets: { ...secrets, accessToken: 'shpat_wrong_000000' } };
    await expect(runSync(db.sql, wrong, { since: new Date('2026-01-01T00:00:00Z') })).rejects.toThrow(
      /refused the access token \(401\)/,
    );
  });
});
