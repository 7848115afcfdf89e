import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shopify, shopifySignature } from '@switchyard/connector-shopify';
import { woocommerce, wooSignature } from '@switchyard/connector-woocommerce';
import {
  type AnyConnector,
  type Connection,
  getOrder,
  IntakeQueue,
  type ResolvedConfig,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { createApp, silentLogger } from '@switchyard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/hub-process.ts';

/** Both channels through the real webhook route, intake and store. */
const fixture = (connector: string, name: string) =>
  readFileSync(join(repoRoot, 'connectors', connector, 'test', 'fixtures', name), 'utf8');
const shop = 'switchyard-demo.myshopify.com';
const shopSecret = 'shpss_channels_0123456789';
const siteUrl = 'https://shop.example.com';
const wooSecret = 'wc-channels-secret';
const config: ResolvedConfig = {
  tenants: [{ id: 'acme', name: 'Acme' }],
  connections: [
    {
      id: 'shop',
      tenantId: 'acme',
      connector: 'shopify',
      settings: { shop },
      secrets: { clientSecret: shopSecret },
      defaultedEnv: [],
    },
    {
      id: 'woo',
      tenantId: 'acme',
      connector: 'woocommerce',
      settings: { siteUrl },
      secrets: { webhookSecret: wooSecret },
      defaultedEnv: [],
    },
  ],
  server: serverLimits({ bodyLimit: 1024 * 1024 }),
};
let db: TestDatabase;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  db = await createTestDatabase();
  await syncConfig(db.sql, config, SecretBox.fromString(SecretBox.generateKey()));
  const connection = (id: string, connector: AnyConnector): Connection => {
    const c = config.connections.find((x) => x.id === id)!;
    return {
      id,
      tenantId: 'acme',
      connector,
      settings: connector.settings.parse(c.settings),
      secrets: connector.secrets.parse(c.secrets),
    };
  };
  const connections = new Map([
    ['shop', connection('shop', shopify as unknown as AnyConnector)],
    ['woo', connection('woo', woocommerce as unknown as AnyConnector)],
  ]);
  app = createApp({ sql: db.sql, intake: new IntakeQueue(db.sql), connections, config }, silentLogger);
});
afterAll(async () => db?.drop());

const count = async (table: 'inbox' | 'orders') =>
  Number((await db.sql.unsafe<{ n: string }[]>(`select count(*) as n from ${table}`))[0]!.n);

describe('Shopify webhooks through the hub', () => {
  const post = (body: string, topic: string, webhookId: string, extra: Record<string, string> = {}) =>
    app.request('/webhooks/shop', {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-shop-domain': shop,
        'x-shopify-webhook-id': webhookId,
        'x-shopify-hmac-sha256': shopifySignature(shopSecret, body),
        ...extra,
      },
    });
  const created = fixture('shopify', 'orders-create.json');

  it('imports an order once; a retry of the same delivery and an older state change nothing', async () => {
    const first = await post(created, 'orders/create', 'wh-1');
    expect(first.status).toBe(200);
    const { orders } = (await first.json()) as { orders: { id: string; result: string }[] };
    expect(orders).toEqual([expect.objectContaining({ result: 'created' })]);
    expect(await (await post(created, 'orders/create', 'wh-1')).json()).toMatchObject({
      status: 'duplicate',
    });
    const older = created
      .replace('"updated_at": "2026-11-19T14:02:10-05:00"', '"updated_at": "2026-11-18T09:12:44-05:00"')
      .replace('Please leave with the doorman', 'stale note');
    expect(await (await post(older, 'orders/updated', 'wh-2')).json()).toMatchObject({
      status: 'accepted',
      orders: [{ result: 'stale', version: 1 }],
    });
    const order = await getOrder(db.sql, 'acme', orders[0]!.id);
    expect(order!.order).toMatchObject({
      externalId: '5923847102938475623',
      version: 1,
      note: 'Please leave with the doorman',
    });
  });

  it('applies a newer state as a new version, and stores a refund signal without importing it', async () => {
    const cancelled = created
      .replace('"updated_at": "2026-11-19T14:02:10-05:00"', '"updated_at": "2026-11-21T10:00:00-05:00"')
      .replace('"cancelled_at": null', '"cancelled_at": "2026-11-21T10:00:00-05:00"');
    expect(await (await post(cancelled, 'orders/cancelled', 'wh-3')).json()).toMatchObject({
      orders: [{ result: 'updated', version: 2 }],
    });
    const inboxBefore = await count('inbox');
    expect(
      await (await post(fixture('shopify', 'refunds-create.json'), 'refunds/create', 'wh-4')).json(),
    ).toMatchObject({ status: 'ignored' });
    expect(await count('inbox')).toBe(inboxBefore + 1);
  });

  it('answers 401 for a bad signature, 404 for another shop, 202 for a signed body it cannot map', async () => {
    expect((await post(created, 'orders/create', 'wh-5', { 'x-shopify-hmac-sha256': 'AAAA' })).status).toBe(
      401,
    );
    expect(
      (await post(created, 'orders/create', 'wh-6', { 'x-shopify-shop-domain': 'other.myshopify.com' }))
        .status,
    ).toBe(404);
    expect((await post('{"id": 1, "line_items": [', 'orders/create', 'wh-7')).status).toBe(202);
  });
});

describe('WooCommerce webhooks through the hub', () => {
  const post = (body: string, topic: string, delivery: string) =>
    app.request('/webhooks/woo', {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': topic,
        'x-wc-webhook-source': `${siteUrl}/`,
        'x-wc-webhook-delivery-id': delivery,
        'x-wc-webhook-signature': wooSignature(wooSecret, body),
      },
    });

  it('answers the creation ping with 200 and stores nothing', async () => {
    const before = await count('inbox');
    const res = await app.request('/webhooks/woo', {
      method: 'POST',
      body: 'webhook_id=12',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ping received', webhookId: '12' });
    expect(await count('inbox')).toBe(before);
  });

  it('imports an order once across deliveries with different delivery ids, then applies its completion', async () => {
    const body = fixture('woocommerce', 'order-created.json');
    const first = (await (await post(body, 'order.created', 'd-1')).json()) as { orders: { id: string }[] };
    expect(first).toMatchObject({ status: 'accepted', orders: [{ result: 'created' }] });
    expect(await (await post(body, 'order.created', 'd-2')).json()).toMatchObject({ status: 'duplicate' });
    const completed = body
      .replace('"status": "processing"', '"status": "completed"')
      .replace('"date_modified_gmt": "2026-11-20T07:30:12"', '"date_modified_gmt": "2026-11-21T07:30:12"');
    expect(await (await post(completed, 'order.updated', 'd-3')).json()).toMatchObject({
      orders: [{ result: 'updated', version: 2 }],
    });
    const order = await getOrder(db.sql, 'acme', first.orders[0]!.id);
    expect(order!.order.status).toBe('shipped');
    expect(order!.timeline.map((e) => e.type)).toEqual(['order.created', 'order.status_changed']);
  });
});
