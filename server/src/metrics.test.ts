import {
  activateFulfillment,
  applyOrder,
  connect,
  createVendorClient,
  OrderDraft,
  type ResolvedConfig,
  recordException,
  SecretBox,
  serverLimits,
  syncConfig,
  tokenSource,
} from '@switchyard/core';
import { createTestDatabase, sampleDraft, type TestDatabase } from '@switchyard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, stepLabel } from './metrics.ts';

const config: ResolvedConfig = {
  tenants: [{ id: 'demo', name: 'Demo' }],
  connections: [
    {
      id: 'shop',
      tenantId: 'demo',
      connector: 'http-json',
      settings: {},
      secrets: {},
      defaultedEnv: [],
      fulfillment: {},
    },
    { id: 'feed', tenantId: 'demo', connector: 'http-json', settings: {}, secrets: {}, defaultedEnv: [] },
  ],
  server: serverLimits(),
};
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await syncConfig(db.sql, config, SecretBox.fromString(SecretBox.generateKey()));
});
afterAll(async () => db?.drop());

/** The value of one sample in Prometheus text, by its name and labels as printed. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A vendor client answering `status` without any network. */
const vendor = (status: number, connection = 'shop') =>
  createVendorClient({
    vendor: 'Acme',
    baseUrl: 'https://acme.test/api',
    connection,
    retry: { attempts: 1 },
    fetch: async () => new Response('{}', { status, headers: { 'content-type': 'application/json' } }),
  });

describe('createMetrics', () => {
  it('reads open exceptions, queue depths and sync lag from the store when scraped', async () => {
    await recordException(db.sql, {
      tenantId: 'demo',
      connectionId: 'feed',
      kind: 'unknown-sku',
      inboxId: null,
      message: 'no SKU ABC',
    });
    await activateFulfillment(db.sql, ['shop']);
    await db.sql`
      insert into sync_state (connection_id, last_run_at, last_result)
      values ('feed', now() - interval '90 seconds', ${db.sql.json({ status: 'completed' })})`;
    const metrics = createMetrics({ sql: db.sql, config, processMetrics: false });
    try {
      const text = await metrics.render();
      expect(sample(text, 'switchyard_metrics_store_up')).toBe(1);
      expect(sample(text, 'switchyard_exceptions_open{connection="feed",reason="unknown-sku"}')).toBe(1);
      expect(sample(text, 'switchyard_inbox_deliveries{status="received"}')).toBe(0);
      expect(sample(text, 'switchyard_orders_awaiting_workflow{connection="shop"}')).toBe(0);
      expect(sample(text, 'switchyard_orders_awaiting_workflow{connection="feed"}')).toBeUndefined();
      expect(sample(text, 'switchyard_sync_last_run_ok{connection="feed"}')).toBe(1);
      const lag = sample(text, 'switchyard_sync_lag_seconds{connection="feed"}')!;
      expect(lag).toBeGreaterThanOrEqual(89);
      expect(lag).toBeLessThan(200);

      // An interrupted run since: the lag still counts from the last completed one this process saw.
      await db.sql`
        update sync_state set last_run_at = now(), last_result = ${db.sql.json({ status: 'interrupted' })}
        where connection_id = 'feed'`;
      const later = await metrics.render();
      expect(sample(later, 'switchyard_sync_last_run_ok{connection="feed"}')).toBe(0);
      expect(sample(later, 'switchyard_sync_lag_seconds{connection="feed"}')).toBeGreaterThanOrEqual(89);
    } finally {
      metrics.close();
    }
  });

  it('shows overdue ship-by deadlines, notifications waiting, and the state of each access token', async () => {
    const source = { tenantId: 'demo', connectionId: 'feed', connector: 'http-json' };
    const past = new Date(Date.now() - 3_600_000).toISOString();
    await applyOrder(db.sql, source, OrderDraft.parse({ ...sampleDraft('late-1'), shipBy: past }), null);
    await applyOrder(
      db.sql,
      source,
      OrderDraft.parse({ ...sampleDraft('late-but-shipped'), status: 'shipped', shipBy: past }),
      null,
    );
    const valid = tokenSource({
      connection: 'feed',
      name: 'access token',
      identity: 'id-1',
      mint: async () => ({ accessToken: 'tok-valid-123456', expiresInSeconds: 3600 }),
    });
    await valid.token();
    const metrics = createMetrics({ sql: db.sql, config, processMetrics: false });
    try {
      const text = await metrics.render();
      expect(sample(text, 'switchyard_ship_by_overdue_orders{connection="feed"}')).toBe(1);
      expect(
        sample(text, 'switchyard_token_valid{connection="feed",token="access token",state="valid"}'),
      ).toBe(1);
      expect(text).not.toContain('tok-valid-123456');
    } finally {
      metrics.close();
    }
  });

  it("reads the engine's queue depth from its workflow_status table", async () => {
    await db.sql`create schema fake_dbos`;
    await db.sql`create table fake_dbos.workflow_status (workflow_uuid text, queue_name text, status text)`;
    await db.sql`
      insert into fake_dbos.workflow_status values
        ('a', 'order-shop', 'ENQUEUED'), ('b', 'order-shop', 'ENQUEUED'), ('c', null, 'PENDING'), ('d', null, 'SUCCESS')`;
    const metrics = createMetrics({ sql: db.sql, config, processMetrics: false, engineSchema: 'fake_dbos' });
    try {
      const text = await metrics.render();
      expect(sample(text, 'switchyard_engine_workflows{queue="order-shop",state="enqueued"}')).toBe(2);
      expect(sample(text, 'switchyard_engine_workflows{queue="",state="pending"}')).toBe(1);
      expect(text).not.toContain('state="success"');
    } finally {
      metrics.close();
    }
  });

  it('answers the scrape when the database is down, without the store gauges', async () => {
    const down = connect('postgres://nobody@127.0.0.1:1/nothing', { max: 1 });
    const metrics = createMetrics({ sql: down, config, processMetrics: false, storeTimeoutMs: 500 });
    try {
      metrics.delivery({ channel: 'webhook', connection: 'shop', outcome: 'accepted', seconds: 0.02 });
      const text = await metrics.render();
      expect(sample(text, 'switchyard_metrics_store_up')).toBe(0);
      expect(sample(text, 'switchyard_inbox_deliveries{status="received"}')).toBeUndefined();
      expect(
        sample(text, 'switchyard_deliveries_total{channel="webhook",connection="shop",outcome="accepted"}'),
      ).toBe(1);
    } finally {
      metrics.close();
      await down.end({ timeout: 1 });
    }
  });

  it("counts vendor calls by status, 429s as throttled, and keeps each connection's recent figures", async () => {
    let clock = Date.parse('2026-11-22T12:00:00Z');
    const metrics = createMetrics({ processMetrics: false, now: () => clock });
    try {
      await vendor(200).request('GET', '/orders');
      await vendor(429)
        .request('GET', '/orders')
        .catch(() => {});
      await vendor(500, 'other')
        .request('GET', '/orders')
        .catch(() => {});
      const text = await metrics.render();
      expect(
        sample(text, 'switchyard_vendor_calls_total{vendor="acme",connection="shop",status="200"}'),
      ).toBe(1);
      expect(
        sample(text, 'switchyard_vendor_calls_total{vendor="acme",connection="shop",status="429"}'),
      ).toBe(1);
      expect(sample(text, 'switchyard_vendor_throttled_total{vendor="acme",connection="shop"}')).toBe(1);
      expect(metrics.vendorCallStats('shop')).toEqual({
        calls: 2,
        errors: 1,
        throttled: 1,
        windowMinutes: 15,
      });
      expect(metrics.vendorCallStats('other')).toEqual({
        calls: 1,
        errors: 1,
        throttled: 0,
        windowMinutes: 15,
      });
      clock += 16 * 60_000;
      expect(metrics.vendorCallStats('shop')).toEqual({
        calls: 0,
        errors: 0,
        throttled: 0,
        windowMinutes: 15,
      });
    } finally {
      metrics.close();
    }
    // Closed: no longer told.
    await vendor(200).request('GET', '/orders');
    expect(metrics.vendorCallStats('shop').calls).toBe(0);
  });

  it('observes workflows and their steps, naming the vendors a step called', async () => {
    const metrics = createMetrics({ processMetrics: false });
    try {
      const { engine } = metrics;
      engine.started!('order', 2);
      await engine.step!({ workflow: 'order', key: 'buy-label#2' }, async () => {
        await vendor(200).request('POST', '/labels');
        return 'label';
      });
      await expect(
        engine.step!({ workflow: 'order', key: 'capture-payment' }, async () => {
          throw new Error('declined');
        }),
      ).rejects.toThrow('declined');
      engine.ended!({ workflow: 'order', workflowId: 'order-1', outcome: 'succeeded', durationMs: 5 });
      const text = await metrics.render();
      expect(sample(text, 'switchyard_workflows_started_total{workflow="order"}')).toBe(2);
      expect(sample(text, 'switchyard_workflows_finished_total{workflow="order",outcome="succeeded"}')).toBe(
        1,
      );
      expect(
        sample(
          text,
          'switchyard_workflow_step_duration_seconds_count{workflow="order",step="buy-label",vendor="acme",outcome="succeeded"}',
        ),
      ).toBe(1);
      expect(
        sample(
          text,
          'switchyard_workflow_step_duration_seconds_count{workflow="order",step="capture-payment",vendor="none",outcome="failed"}',
        ),
      ).toBe(1);
    } finally {
      metrics.close();
    }
  });

  it('keeps separate registries per hub', async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics();
    try {
      a.delivery({ channel: 'edi', connection: 'partner', outcome: 'accepted', seconds: 0.1 });
      expect(await b.render()).not.toContain('connection="partner"');
      expect(await b.render()).toContain('process_cpu_user_seconds_total');
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('stepLabel', () => {
  it('names a step run per shipment or per turn once', () => {
    expect(stepLabel('buy-label#3')).toBe('buy-label');
    expect(stepLabel('tracking-12')).toBe('tracking');
    expect(stepLabel('record-invoice-failed-2')).toBe('record-invoice-failed');
    expect(stepLabel('capture-payment')).toBe('capture-payment');
  });
});
