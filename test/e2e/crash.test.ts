import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyOrder } from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seededOrderDraft } from '../fakes/vendors.ts';
import { startFake } from '../support/fake-process.ts';
import { type HubProcess, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * The crash test: 200 capture-on-ship orders through the order workflow while the hub process is killed with
 * SIGKILL at random moments, six times, and started again. Shopify, Stripe and EasyPost run in a process of
 * their own and count every call. At the end, per order: one capture (a repeat carried the same key), one
 * label bought, one fulfillment on Shopify.
 */
const ORDERS = 200;
const KILLS = 6;
const scratch = scratchDir('crash');
let fake: { origin: string; stop(): void };
let db: TestDatabase;
let hub: HubProcess | undefined;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  fake = await startFake('vendors-server.ts', {
    VENDORS_FAKE_ORDERS: String(ORDERS),
    VENDORS_FAKE_SHOPIFY_TOKEN: 'shpat_crash_0123456789',
    VENDORS_FAKE_STRIPE_KEY: 'sk_test_crash_0123456789',
    VENDORS_FAKE_EASYPOST_KEY: 'EZTK_crash_0123456789',
  });
  db = await createTestDatabase();
  writeFileSync(
    join(scratch.dir, 'switchyard.config.ts'),
    `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'acme', name: 'Acme' }],
  connections: [
    {
      id: 'shop', tenant: 'acme', connector: 'shopify',
      settings: { shop: 'crash.myshopify.com', apiOrigin: '${fake.origin}' },
      secrets: { clientSecret: env('CRASH_SHOPIFY_SECRET'), accessToken: env('CRASH_SHOPIFY_TOKEN') },
      fulfillment: {
        payment: 'capture-on-ship', payments: 'payments', shipping: 'shipping',
        shipFrom: { company: 'Acme Warehouse', street1: '388 Townsend St', city: 'San Francisco', state: 'CA', zip: '94107', country: 'US' },
        shippingRules: { rules: [{ method: 'Standard', maxDays: 5 }] },
        parcel: { weightGrams: 500 },
        // Orders start at a steady pace (through the connection's queue), so that every kill falls while
        // some are mid-way and others not yet begun.
        startsPerSecond: 40,
      },
    },
    { id: 'payments', tenant: 'acme', connector: 'stripe', settings: { apiOrigin: '${fake.origin}', maxNetworkRetries: 2, requestsPerSecond: 500 },
      secrets: { secretKey: env('CRASH_STRIPE_KEY'), webhookSecret: env('CRASH_STRIPE_WEBHOOK') } },
    { id: 'shipping', tenant: 'acme', connector: 'easypost', settings: { apiOrigin: '${fake.origin}', requestsPerSecond: 500 },
      secrets: { apiKey: env('CRASH_EASYPOST_KEY'), webhookSecret: env('CRASH_EASYPOST_WEBHOOK') } },
  ],
});`,
  );
  env = {
    DATABASE_URL: db.url,
    SWITCHYARD_EXECUTOR_ID: 'crash-hub',
    CRASH_SHOPIFY_SECRET: 'shpss_crash_0123456789',
    CRASH_SHOPIFY_TOKEN: 'shpat_crash_0123456789',
    CRASH_STRIPE_KEY: 'sk_test_crash_0123456789',
    CRASH_STRIPE_WEBHOOK: 'whsec_crash_0123456789',
    CRASH_EASYPOST_KEY: 'EZTK_crash_0123456789',
    CRASH_EASYPOST_WEBHOOK: 'ep-crash-secret',
  };
}, 120_000);

afterAll(async () => {
  if (hub && hub.child.exitCode === null) {
    hub.child.kill('SIGKILL');
    await hub.exited;
  }
  fake?.stop();
  await db?.drop();
  scratch.remove();
});

type Effects = {
  orders: {
    order: string;
    captureRequests: number;
    captureKeys: string[];
    captured: boolean;
    labels: number;
    fulfillments: number;
  }[];
  purchases: number;
};
const effects = async () => (await (await fetch(`${fake.origin}/__fake/effects`)).json()) as Effects;

it('ships 200 orders through six kill -9s: one capture, one label, one fulfillment each', async () => {
  hub = await startHub(scratch.dir, env);
  // The orders arrive once the hub runs (orders from before a channel's fulfillment was configured are history).
  for (let i = 1; i <= ORDERS; i++) {
    const draft = seededOrderDraft(i);
    await applyOrder(db.sql, { tenantId: 'acme', connectionId: 'shop', connector: 'shopify' }, draft, null);
  }

  let kills = 0;
  const doneAtKill: number[] = [];
  const deadline = Date.now() + 240_000;
  for (;;) {
    const done = (await effects()).orders.filter((o) => o.fulfillments > 0).length;
    if (kills >= KILLS && done === ORDERS) break;
    if (Date.now() > deadline)
      throw new Error(`after ${kills} kills only ${done} of ${ORDERS} orders shipped:\n${hub.log()}`);
    if (kills < KILLS) {
      // Killed while working: once this run has shipped something, at a random moment shortly after.
      const before = doneAtKill.at(-1) ?? 0;
      while ((await effects()).orders.filter((o) => o.fulfillments > 0).length <= before) {
        if (Date.now() > deadline) throw new Error(`no progress after kill ${kills}:\n${hub.log()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, Math.random() * 300));
      doneAtKill.push((await effects()).orders.filter((o) => o.fulfillments > 0).length);
      hub.child.kill('SIGKILL');
      await hub.exited;
      kills++;
      hub = await startHub(scratch.dir, env);
    } else {
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const { orders, purchases } = await effects();
  // The counts, for the record (CI's log shows them).
  console.log(
    `crash test: ${kills} kills with ${doneAtKill.join(', ')} orders shipped at each; ${ORDERS} orders: ` +
      `${orders.reduce((n, o) => n + o.captureRequests, 0)} capture requests, ` +
      `${orders.reduce((n, o) => n + o.labels, 0)} labels (${purchases} purchases), ` +
      `${orders.reduce((n, o) => n + o.fulfillments, 0)} fulfillments`,
  );
  expect(kills).toBe(KILLS);
  // The kills fell while work was under way, not before it began or after it ended.
  expect(
    doneAtKill.filter((done) => done > 0 && done < ORDERS),
    `orders shipped at each kill: ${doneAtKill}`,
  ).toHaveLength(KILLS);
  expect(
    orders.filter((o) => o.captured && o.captureRequests === 1 && o.captureKeys.length === 1),
  ).toHaveLength(ORDERS);
  expect(orders.filter((o) => o.labels === 1)).toHaveLength(ORDERS);
  expect(orders.filter((o) => o.fulfillments === 1)).toHaveLength(ORDERS);
  expect(purchases).toBe(ORDERS);
  // Every workflow reached the tracking wait: the order shipped.
  const [row] = await db.sql<{ count: number }[]>`
    select count(distinct order_id)::int as count from order_events where type = 'payment.captured'`;
  expect(row?.count).toBe(ORDERS);
}, 300_000);
