import { woocommerce, wooSignature } from '@switchyard/connector-woocommerce';
import { fakeWooCommerce, wooOrder } from '@switchyard/connector-woocommerce/testing';
import {
  type AnyConnector,
  type Connection,
  IntakeQueue,
  listOrders,
  runSync,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/** The poll that fills WooCommerce's gaps, against a fake shop served by msw, the real REST client in the loop. */
const siteUrl = 'https://woo-sync.example.com';
const keys = { consumerKey: 'ck_sync_1234567890', consumerSecret: 'cs_sync_1234567890' };
const fake = fakeWooCommerce(siteUrl, keys.consumerKey, keys.consumerSecret);
const server = setupServer(...fake.handlers);
let db: TestDatabase;
const settings = woocommerce.settings.parse({ siteUrl, pageSize: 100, requestsPerSecond: 50 });
const secrets = { webhookSecret: 'wc-sync-secret', ...keys };
const connectionFor = (id: string, pageSize = 100): Connection => ({
  id,
  tenantId: 'acme',
  connector: woocommerce as unknown as AnyConnector,
  settings: { ...settings, pageSize },
  secrets,
});
const connection = connectionFor('woo');
const at = (i: number) =>
  `2026-11-20T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase();
  const c = (id: string) => ({
    id,
    tenantId: 'acme',
    connector: 'woocommerce',
    settings,
    secrets,
    defaultedEnv: [],
  });
  await syncConfig(
    db.sql,
    {
      tenants: [{ id: 'acme', name: 'Acme' }],
      connections: [c('woo'), c('woo-small'), c('woo-gap'), c('woo-lease')],
      server: serverLimits({ bodyLimit: 1 << 20 }),
    },
    SecretBox.fromString(SecretBox.generateKey()),
  );
});
beforeEach(() => {
  fake.requests.length = 0;
});
afterAll(async () => {
  server.close();
  await db?.drop();
});

describe('WooCommerce poll', () => {
  it('imports what webhooks missed, page by page, retrying a 429 after its Retry-After', async () => {
    for (let i = 1; i <= 250; i++) fake.orders.push(wooOrder(5000 + i, at(i)));
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
    // Keyset pages overlap by a second: the order at each page boundary comes twice and is recognised.
    expect(report).toMatchObject({
      status: 'completed',
      pages: 3,
      records: 252,
      missedByWebhooks: 150,
      alreadyReceived: 102,
      exceptions: 0,
      cursor: null,
    });
    expect(report.watermark).toBe('2026-11-20T10:04:10.000Z');
    expect(fake.requests.map((r) => `${r.modifiedAfter ?? '-'}:${r.status}`)).toEqual([
      '-:429',
      '-:200',
      '2026-11-20T10:01:39.000Z:200',
      '2026-11-20T10:03:18.000Z:200',
    ]);
    expect((await listOrders(db.sql, 'acme', { limit: 500 })).orders).toHaveLength(250);
  });

  it('asks only for what changed since the watermark (one second of overlap, deduped)', async () => {
    const changed = fake.orders[7]!;
    changed.date_modified_gmt = '2026-11-21T08:00:00';
    changed.status = 'completed';
    const report = await runSync(db.sql, connection);
    expect(report).toMatchObject({
      status: 'completed',
      records: 2,
      missedByWebhooks: 1,
      alreadyReceived: 1,
      watermark: '2026-11-21T08:00:00.000Z',
    });
    expect(fake.requests).toEqual([{ page: 1, modifiedAfter: '2026-11-20T10:04:09.000Z', status: 200 }]);
  });

  it('does not lose an order that changes while the sync is between pages', async () => {
    const small = connectionFor('woo-small', 2);
    const own = [9001, 9002, 9003, 9004].map((id, i) => wooOrder(id, `2026-11-22T07:00:0${i + 1}`));
    fake.orders.push(...own);
    let changedOne = false;
    const report = await runSync(db.sql, small, {
      since: new Date('2026-11-22T06:00:00Z'),
      onPage: () => {
        if (changedOne) return;
        changedOne = true;
        own[0]!.date_modified_gmt = '2026-11-22T07:00:09';
        own[0]!.status = 'completed';
      },
    });
    expect(report.status).toBe('completed');
    const ids = (await listOrders(db.sql, 'acme', { limit: 500 })).orders.map((o) => o.externalId);
    expect(ids).toEqual(expect.arrayContaining(['9001', '9002', '9003', '9004']));
  });

  it('resumes an interrupted backfill where it stopped, and keeps a gap before a later start unpulled', async () => {
    const gap = connectionFor('woo-gap', 100);
    const stop = new AbortController();
    const first = await runSync(db.sql, gap, {
      since: new Date('2026-11-01T00:00:00Z'),
      signal: stop.signal,
      onPage: () => stop.abort(),
    });
    expect(first).toMatchObject({ status: 'interrupted', pages: 1, records: 100 });
    const second = await runSync(db.sql, gap, { since: new Date('2026-11-01T00:00:00Z') });
    expect(second.status).toBe('completed');
    // The second run continued from the saved cursor: its first request is not the backfill's start again.
    const starts = fake.requests.map((r) => r.modifiedAfter);
    expect(starts[0]).toBe('2026-10-31T23:59:59.000Z');
    expect(starts.slice(1)).not.toContain('2026-10-31T23:59:59.000Z');
    expect(first.records + second.records).toBeGreaterThanOrEqual(254);
    const [state] = await db.sql<
      { watermark: Date }[]
    >`select watermark from sync_state where connection_id = 'woo-gap'`;
    // A backfill from a later date leaves the watermark alone: what lies before its start was not pulled.
    const later = await runSync(db.sql, gap, { since: new Date('2026-11-22T07:00:00Z') });
    expect(later.status).toBe('completed');
    const [after] = await db.sql<
      { watermark: Date }[]
    >`select watermark from sync_state where connection_id = 'woo-gap'`;
    expect(after!.watermark).toEqual(state!.watermark);
  });

  it('stops when another process has taken its lease, and never runs two syncs of one connection at once', async () => {
    const leased = connectionFor('woo-lease', 100);
    const report = await runSync(db.sql, leased, {
      since: new Date('2026-11-01T00:00:00Z'),
      onPage: () => {
        // postgres.js queries run when awaited or executed: this one runs now, between two pages.
        db.sql`update sync_state set lease_owner = 'another-hub' where connection_id = 'woo-lease'`.execute();
      },
    });
    expect(report.status).toBe('interrupted');
    await db.sql`update sync_state set lease_owner = 'another-hub', lease_until = now() + interval '1 minute' where connection_id = 'woo-lease'`;
    expect(await runSync(db.sql, leased)).toMatchObject({ status: 'busy', pages: 0 });
  });

  it('says plainly when the shop refuses the API keys', async () => {
    const wrong = { ...connection, secrets: { ...secrets, consumerSecret: 'cs_wrong' } };
    await expect(runSync(db.sql, wrong)).rejects.toThrow(/refused the API credentials .* \(401\)/);
  });
});
