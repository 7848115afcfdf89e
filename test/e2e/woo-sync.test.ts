import { woocommerce, wooSignature } from '@switchyard/connector-woocommerce';
import {
  type AnyConnector,
  type Connection,
  IntakeQueue,
  listOrders,
  runSync,
  SecretBox,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeWooCommerce, wooOrder } from '../fakes/woocommerce.ts';

/** The poll that fills WooCommerce's gaps, against a fake shop served by msw, the real REST client in the loop. */
const siteUrl = 'https://woo-sync.example.com';
const keys = { consumerKey: 'ck_sync_1234567890', consumerSecret: 'cs_sync_1234567890' };
const fake = fakeWooCommerce(siteUrl, keys.consumerKey, keys.consumerSecret);
const server = setupServer(...fake.handlers);
let db: TestDatabase;
const settings = woocommerce.settings.parse({ siteUrl, pageSize: 100, requestsPerSecond: 50 });
const secrets = { webhookSecret: 'wc-sync-secret', ...keys };
const connection: Connection = {
  id: 'woo',
  tenantId: 'acme',
  connector: woocommerce as unknown as AnyConnector,
  settings,
  secrets,
};

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase();
  await syncConfig(
    db.sql,
    {
      tenants: [{ id: 'acme', name: 'Acme' }],
      connections: [
        { id: 'woo', tenantId: 'acme', connector: 'woocommerce', settings, secrets, defaultedEnv: [] },
      ],
      server: { bodyLimit: 1 << 20 },
    },
    SecretBox.fromString(SecretBox.generateKey()),
  );
  for (let i = 1; i <= 250; i++)
    fake.orders.push(
      wooOrder(
        5000 + i,
        `2026-11-20T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
      ),
    );
});
afterAll(async () => {
  server.close();
  await db?.drop();
});

describe('WooCommerce poll', () => {
  it('imports what webhooks missed, page by page, retrying a 429 after its Retry-After', async () => {
    // 100 orders arrived by webhook, signed as WooCommerce signs them.
    const queue = new IntakeQueue(db.sql);
    for (const order of fake.orders.slice(0, 100)) {
      const body = JSON.stringify(order);
      const outcome = await queue.receive(connection, {
        method: 'POST',
        path: '/webhooks/woo',
        headers: {
          'content-type': 'application/json',
          'x-wc-webhook-signature': wooSignature(secrets.webhookSecret, body),
        },
        body: new Uint8Array(Buffer.from(body)),
        contentType: 'application/json',
        receivedAt: new Date(),
      });
      expect(outcome.status).toBe('accepted');
    }
    fake.throttleNext = 1;
    const report = await runSync(db.sql, connection);
    expect(report).toMatchObject({
      status: 'completed',
      pages: 3,
      records: 250,
      missedByWebhooks: 150,
      alreadyReceived: 100,
      exceptions: 0,
      cursor: null,
    });
    expect(report.watermark).toBe('2026-11-20T10:04:10.000Z');
    expect(fake.requests.map((r) => `${r.page}:${r.status}`)).toEqual(['1:429', '1:200', '2:200', '3:200']);
    expect((await listOrders(db.sql, 'acme', { limit: 500 })).orders).toHaveLength(250);
  });

  it('asks only for what changed since the watermark (one second of overlap, deduped)', async () => {
    fake.requests.length = 0;
    const changed = fake.orders[7]!;
    changed.date_modified_gmt = '2026-11-21T08:00:00';
    changed.status = 'completed';
    const report = await runSync(db.sql, connection);
    expect(report).toMatchObject({
      status: 'completed',
      records: 2, // the order at the watermark itself comes again, and is recognised
      missedByWebhooks: 1,
      alreadyReceived: 1,
      watermark: '2026-11-21T08:00:00.000Z',
    });
    expect(fake.requests).toEqual([{ page: 1, modifiedAfter: '2026-11-20T10:04:09.000Z', status: 200 }]);
  });

  it('resumes an interrupted backfill at the page it stopped', async () => {
    fake.requests.length = 0;
    const small = { ...connection, settings: { ...settings, pageSize: 100 } };
    const stop = new AbortController();
    const first = await runSync(db.sql, small, {
      since: new Date('2026-11-01T00:00:00Z'),
      signal: stop.signal,
      onPage: () => stop.abort(),
    });
    expect(first).toMatchObject({ status: 'interrupted', pages: 1, records: 100 });
    expect(first.cursor).toContain('"page":2');
    const second = await runSync(db.sql, small);
    expect(second).toMatchObject({ status: 'completed', pages: 2, records: 150, missedByWebhooks: 0 });
    expect(fake.requests.map((r) => r.page)).toEqual([1, 2, 3]);
  });

  it('never runs two syncs of one connection at once', async () => {
    await db.sql`update sync_state set lease_owner = 'another-hub', lease_until = now() + interval '1 minute' where connection_id = 'woo'`;
    expect(await runSync(db.sql, connection)).toMatchObject({ status: 'busy', pages: 0 });
    await db.sql`update sync_state set lease_owner = null, lease_until = null where connection_id = 'woo'`;
  });

  it('says plainly when the shop refuses the API keys', async () => {
    const wrong = { ...connection, secrets: { ...secrets, consumerSecret: 'cs_wrong' } };
    await expect(runSync(db.sql, wrong)).rejects.toThrow(/refused the API credentials .* \(401\)/);
  });
});
