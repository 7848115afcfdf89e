import { woocommerce } from '@switchyard/connector-woocommerce';
import { fakeWooCommerce, wooOrder } from '@switchyard/connector-woocommerce/testing';
import {
  type AnyConnector,
  type Connection,
  type ResolvedConfig,
  SecretBox,
  serverLimits,
  syncConfig,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { silentLogger } from '@switchyard/server';
import { startScheduler } from '@switchyard/server/scheduler';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const siteUrl = 'https://woo-scheduled.example.com';
const keys = { consumerKey: 'ck_sched_123456', consumerSecret: 'cs_sched_123456' };
const fake = fakeWooCommerce(siteUrl, keys.consumerKey, keys.consumerSecret);
const server = setupServer(...fake.handlers);
const settings = woocommerce.settings.parse({ siteUrl, requestsPerSecond: 50 });
const secrets = { webhookSecret: 'wc-sched-secret', ...keys };
let db: TestDatabase;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase();
});
afterAll(async () => {
  server.close();
  await db?.drop();
});

async function until(check: () => Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('polling scheduler', () => {
  it('pulls each polled connection at start and again every turn, and stops cleanly', async () => {
    const config: ResolvedConfig = {
      tenants: [{ id: 'acme', name: 'Acme' }],
      connections: [
        {
          id: 'woo',
          tenantId: 'acme',
          connector: 'woocommerce',
          settings,
          secrets,
          defaultedEnv: [],
          pollEveryMs: 300,
        },
      ],
      server: serverLimits({ bodyLimit: 1 << 20 }),
    };
    await syncConfig(db.sql, config, SecretBox.fromString(SecretBox.generateKey()));
    const connection: Connection = {
      id: 'woo',
      tenantId: 'acme',
      connector: woocommerce as unknown as AnyConnector,
      settings,
      secrets,
    };
    for (let i = 1; i <= 5; i++) fake.orders.push(wooOrder(7000 + i, `2026-11-20T09:00:0${i}`));
    const orders = async () =>
      Number((await db.sql<{ n: string }[]>`select count(*) as n from orders`)[0]!.n);

    const scheduler = startScheduler(
      { sql: db.sql, connections: new Map([['woo', connection]]), config },
      silentLogger,
    );
    await until(async () => (await orders()) === 5);
    fake.orders.push(wooOrder(7006, '2026-11-20T09:30:00'));
    await until(async () => (await orders()) === 6);
    await scheduler.stop();

    const [state] = await db.sql<
      { lease_owner: string | null; last_run_at: Date | null; watermark: Date | null }[]
    >`
      select lease_owner, last_run_at, watermark from sync_state where connection_id = 'woo'`;
    expect(state).toMatchObject({ lease_owner: null, last_run_at: expect.any(Date) });
    expect(state!.watermark?.toISOString()).toBe('2026-11-20T09:30:00.000Z');
  });
});
