import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyOrder } from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeTrigger } from '../../workflows/test/trigger-platform.ts';
import { serveHandlers } from '../fakes/serve.ts';
import { seededOrderDraft } from '../fakes/vendors.ts';
import { eventually } from '../support/eventually.ts';
import { type HubProcess, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * The hub with SWITCHYARD_ENGINE=trigger: the real binary's dispatchers start and signal the deployed `order`
 * task through the real @trigger.dev/sdk, against the fake of Trigger.dev's API served over HTTP here. No task
 * runs (the platform holds them queued): what is proved is the hub's side, one trigger per order under its
 * workflow's idempotency key, and the channel's cancellation handed to the run's waitpoint.
 */
const scratch = scratchDir('trigger-hub');
let db: TestDatabase;
let hub: HubProcess | undefined;
let served: Awaited<ReturnType<typeof serveHandlers>>;
let platform: FakeTrigger;

beforeAll(async () => {
  served = await serveHandlers();
  platform = new FakeTrigger(served.origin);
  platform.pause();
  served.use(...platform.handlers);
  db = await createTestDatabase();
  writeFileSync(
    join(scratch.dir, 'switchyard.config.ts'),
    `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'acme', name: 'Acme' }],
  connections: [
    {
      id: 'shop', tenant: 'acme', connector: 'shopify',
      settings: { shop: 'trigger-hub.myshopify.com' },
      secrets: { clientSecret: env('TH_SHOPIFY_SECRET'), accessToken: env('TH_SHOPIFY_TOKEN') },
      fulfillment: {
        payment: 'capture-on-ship', payments: 'payments', shipping: 'shipping',
        shipFrom: { company: 'Acme Warehouse', street1: '388 Townsend St', city: 'San Francisco', state: 'CA', zip: '94107', country: 'US' },
        shippingRules: { rules: [{ method: 'Standard', maxDays: 5 }] },
        parcel: { weightGrams: 500 },
      },
    },
    { id: 'payments', tenant: 'acme', connector: 'stripe', settings: {},
      secrets: { secretKey: env('TH_STRIPE_KEY'), webhookSecret: env('TH_STRIPE_WEBHOOK') } },
    { id: 'shipping', tenant: 'acme', connector: 'easypost', settings: {},
      secrets: { apiKey: env('TH_EASYPOST_KEY'), webhookSecret: env('TH_EASYPOST_WEBHOOK') } },
  ],
});`,
  );
  hub = await startHub(scratch.dir, {
    DATABASE_URL: db.url,
    SWITCHYARD_ENGINE: 'trigger',
    TRIGGER_SECRET_KEY: 'tr_dev_trigger_hub_secret',
    TRIGGER_API_URL: served.origin,
    TH_SHOPIFY_SECRET: 'shpss_trigger_hub_0123',
    TH_SHOPIFY_TOKEN: 'shpat_trigger_hub_0123',
    TH_STRIPE_KEY: 'sk_test_trigger_hub_0123',
    TH_STRIPE_WEBHOOK: 'whsec_trigger_hub_0123',
    TH_EASYPOST_KEY: 'EZTK_trigger_hub_0123',
    TH_EASYPOST_WEBHOOK: 'ep-trigger-hub',
  });
}, 120_000);

afterAll(async () => {
  if (hub && hub.child.exitCode === null) {
    hub.child.kill('SIGTERM');
    await hub.exited;
  }
  served?.server.close();
  await db?.drop();
  scratch.remove();
});

const until = (what: string, check: () => boolean | Promise<boolean | undefined>) =>
  eventually(what, check, { describe: () => hub?.log() ?? '' });

it('triggers the order task once per order and hands it the channel’s cancellation', async () => {
  const { orderId } = await applyOrder(
    db.sql,
    { tenantId: 'acme', connectionId: 'shop', connector: 'shopify' },
    seededOrderDraft(1),
    null,
  );
  const workflowId = `order:${orderId}`;
  const runsOf = () => [...platform.runs.values()].filter((r) => r.tags.includes(`workflow:${workflowId}`));
  await until('the trigger', () => runsOf().length > 0);
  const [run] = runsOf();
  expect(run).toMatchObject({ taskIdentifier: 'order', status: 'QUEUED' });
  expect(run!.payload).toMatchObject({ workflowId, input: { tenantId: 'acme', orderId } });
  const triggers = platform.calls('POST', /\/api\/v1\/tasks\/order\/trigger$/);
  expect(triggers).toHaveLength(1);
  expect(triggers[0]!.authorization).toBe('Bearer tr_dev_trigger_hub_secret');
  // The hub keeps the run's id: Trigger.dev's listing is late and forgets runs after 7 days.
  const kept = async () =>
    (await db.sql<{ run_id: string }[]>`select run_id from engine_runs where workflow_id = ${workflowId}`)[0]
      ?.run_id;
  await until('the run id kept', async () => (await kept()) === run!.id);

  // The channel cancels: the dispatcher finds the run queued and completes its first events token.
  await db.sql`update orders set status = 'cancelled' where id = ${orderId}`;
  const token = () =>
    [...platform.waitpoints.values()].find(
      (w) => w.idempotencyKey === `switchyard:signal:${workflowId}/events#1`,
    );
  await until('the cancellation token', () => token()?.status === 'COMPLETED');
  expect(JSON.parse(token()!.output!)).toMatchObject({
    dedupeKey: `cancel:${orderId}`,
    payload: { kind: 'cancel', reason: 'cancelled on the channel' },
  });
  const signalled = async () =>
    (
      await db.sql<{ signalled: boolean }[]>`
        select cancel_signalled_at is not null as signalled from orders where id = ${orderId}`
    )[0]?.signalled;
  await until('the cancellation marked as handed over', signalled);
  // Still one run: the dispatcher's later turns started nothing again.
  expect(runsOf()).toHaveLength(1);
});
