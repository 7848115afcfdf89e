import { join } from 'node:path';
import { easypost } from '@switchyard/connector-easypost';
import { shopify } from '@switchyard/connector-shopify';
import { stripe } from '@switchyard/connector-stripe';
import {
  type AnyConnector,
  applyOrder,
  type Connection,
  connect,
  migrate,
  startEmbedded,
  stepIdempotencyKey,
  type WorkflowContext,
  withCompensation,
} from '@switchyard/core';
import { ShippingRules } from '@switchyard/mappings';
import {
  type FulfillmentPlan,
  orderQueues,
  orderWorkflow,
  startDbosEngine,
  startOrderDispatcher,
} from '@switchyard/workflows';
import { seededOrderDraft } from '../fakes/vendors.ts';
import { storeConnections } from '../support/connections.ts';
import { startFake } from '../support/fake-process.ts';
import { scratchDir } from '../support/hub-process.ts';
import { engineVersusBareDbos } from './workflow-engine.ts';

const KEYS = {
  VENDORS_FAKE_SHOPIFY_TOKEN: 'shpat_bench_wf_0123456789',
  VENDORS_FAKE_STRIPE_KEY: 'sk_test_bench_wf_0123456789',
  VENDORS_FAKE_EASYPOST_KEY: 'EZTK_bench_wf_0123456789',
};

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
const ms = (v: number) => Number(v.toFixed(2));

/** Orders run one at a time after the loaded run, for the engine's unloaded cost per step. */
const SERIAL = 20;

/** Stops a plain run at the tracking wait, where the durable run is measured to. */
class AtTrackingWait extends Error {}

/**
 * Orders through the order workflow on DBOS and the embedded PostgreSQL, Shopify, Stripe and EasyPost faked in
 * another process answering every call after 20 ms; measured from the orders' import until every fulfillment
 * is on the fake Shopify (the workflow then waits for tracking). In the same run, the same workflow code with
 * its steps as plain calls (no checkpoints), and the engine's own time per step (whole step less its body).
 * Before all that, the adapter against DBOS used directly (`workflow-engine.ts`).
 */
export async function workflowBench(orders = 1000) {
  const fake = await startFake('vendors-server.ts', {
    ...KEYS,
    VENDORS_FAKE_ORDERS: String(orders * 2 + SERIAL),
    VENDORS_FAKE_DELAY_MS: '20',
  });
  const scratch = scratchDir('bench-workflow');
  const embedded = await startEmbedded({ dir: join(scratch.dir, '.switchyard') });
  const sql = connect(embedded.url, { max: 20 });
  try {
    await migrate(sql);
    // First, alone on the machine's share: the adapter against DBOS used directly, five 20 ms steps each.
    const versusBare = await engineVersusBareDbos(embedded.url, {
      workflows: Number(process.env.BENCH_VERSUS_WORKFLOWS ?? 500),
      concurrency: Number(process.env.BENCH_VERSUS_CONCURRENCY ?? 50),
      rounds: Number(process.env.BENCH_VERSUS_ROUNDS ?? 4),
      togetherSeconds: Number(process.env.BENCH_VERSUS_SECONDS ?? 15),
    });
    const made = (id: string, connector: AnyConnector, settings: unknown, secrets: Record<string, string>) =>
      [
        id,
        {
          id,
          tenantId: 'acme',
          connector,
          settings: connector.settings.parse(settings),
          secrets: connector.secrets.parse(secrets),
        },
      ] as const;
    const connections = new Map<string, Connection>([
      made(
        'shop',
        shopify as unknown as AnyConnector,
        { shop: 'bench.myshopify.com', apiOrigin: fake.origin },
        { clientSecret: 'shpss_bench_wf_01', accessToken: KEYS.VENDORS_FAKE_SHOPIFY_TOKEN },
      ),
      made(
        'payments',
        stripe as unknown as AnyConnector,
        { apiOrigin: fake.origin, requestsPerSecond: 1000 },
        { secretKey: KEYS.VENDORS_FAKE_STRIPE_KEY, webhookSecret: 'whsec_bench_wf_01' },
      ),
      made(
        'shipping',
        easypost as unknown as AnyConnector,
        { apiOrigin: fake.origin, requestsPerSecond: 1000 },
        { apiKey: KEYS.VENDORS_FAKE_EASYPOST_KEY, webhookSecret: 'ep-bench' },
      ),
    ]);
    await storeConnections(sql, connections.values());
    const plan: FulfillmentPlan = {
      payment: 'capture-on-ship',
      paymentsConnection: 'payments',
      shippingConnection: 'shipping',
      shipFrom: {
        company: 'Acme Warehouse',
        street1: '388 Townsend St',
        city: 'San Francisco',
        state: 'CA',
        zip: '94107',
        country: 'US',
      },
      rules: ShippingRules.parse({ rules: [{ method: 'Standard', maxDays: 5 }] }),
      defaultParcel: { weightGrams: 500 },
    };
    const place = async (i: number) => {
      const draft = seededOrderDraft(i);
      return (
        await applyOrder(sql, { tenantId: 'acme', connectionId: 'shop', connector: 'shopify' }, draft, null)
      ).orderId;
    };
    const shipped = async (from: number, to: number) => {
      const { orders: list } = (await (await fetch(`${fake.origin}/__fake/effects`)).json()) as {
        orders: { fulfillments: number }[];
      };
      return list.slice(from - 1, to).filter((o) => o.fulfillments > 0).length;
    };
    const workflow = orderWorkflow({ sql, connections, plan: () => plan });

    // Plain: the same workflow code, each step a direct call, as many orders at once as the durable run takes.
    const plainStart = performance.now();
    const plainIds = await Promise.all(Array.from({ length: orders }, (_, k) => place(orders + k + 1)));
    const bodyTimes: number[] = [];
    const byKey: Record<string, number[]> = {};
    const plainContext = (workflowId: string): WorkflowContext =>
      withCompensation({
        workflowId,
        async step(key, body) {
          const start = performance.now();
          try {
            return await body({ idempotencyKey: stepIdempotencyKey(workflowId, key), attempt: 1 });
          } finally {
            bodyTimes.push(performance.now() - start);
            byKey[key] = [...(byKey[key] ?? []), performance.now() - start];
          }
        },
        sleep: (_key, wait) => new Promise((r) => setTimeout(r, wait)),
        async waitForSignal(_topic, { timeoutMs }) {
          if (timeoutMs === 0) return undefined;
          throw new AtTrackingWait();
        },
        now: async () => new Date(),
      });
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < plainIds.length) {
          const orderId = plainIds[next++]!;
          await workflow
            .run(plainContext(`plain:${orderId}`), { tenantId: 'acme', orderId })
            .catch((error) => {
              if (!(error instanceof AtTrackingWait)) throw error;
            });
        }
      }),
    );
    const plainS = (performance.now() - plainStart) / 1000;
    if ((await shipped(orders + 1, orders * 2)) !== orders)
      throw new Error('the plain run did not ship every order');

    // Durable: the engine and the dispatcher, as the hub runs them.
    const overhead: number[] = [];
    const engine = await startDbosEngine({
      databaseUrl: embedded.url,
      executorId: 'bench',
      poolSize: Number(process.env.BENCH_DBOS_POOL ?? 10),
      applicationVersion: 'bench',
      workflows: [workflow],
      log: () => {},
      onStep: ({ totalMs, bodyMs }) => overhead.push(totalMs - bodyMs),
      queues: orderQueues(new Map([['shop', plan]])),
    });
    const dispatcher = startOrderDispatcher({
      sql,
      engine,
      managed: ['shop'],
      log: { error: () => {} },
      everyMs: 100,
      queued: true,
    });
    await new Promise((r) => setTimeout(r, 300)); // the connection's activation precedes its orders
    const durableStart = performance.now();
    for (let i = 1; i <= orders; i++) await place(i);
    while ((await shipped(1, orders)) < orders) await new Promise((r) => setTimeout(r, 500));
    const durableS = (performance.now() - durableStart) / 1000;

    // Unloaded: a few more orders one at a time, so that a step's engine time is the engine's own cost and
    // not a wait behind hundreds of other workflows.
    const loaded = overhead.splice(0);
    for (let i = 1; i <= SERIAL; i++) {
      await place(orders * 2 + i);
      dispatcher.nudge();
      while ((await shipped(orders * 2 + i, orders * 2 + i)) < 1) await new Promise((r) => setTimeout(r, 20));
    }
    const unloaded = overhead.splice(0).sort((a, b) => a - b);
    await dispatcher.stop();
    await engine.stop();

    loaded.sort((a, b) => a - b);
    const perSecond = orders / durableS;
    const plainPerSecond = orders / plainS;
    return {
      engineVersusBareDbos: versusBare,
      orders,
      vendorLatencyMs: 20,
      seconds: ms(durableS),
      perSecond: Number(perSecond.toFixed(1)),
      plainPerSecond: Number(plainPerSecond.toFixed(1)),
      ratioToPlain: Number((perSecond / plainPerSecond).toFixed(2)),
      steps: loaded.length,
      engineOverheadPerStepMs: { p50: ms(percentile(loaded, 50)), p99: ms(percentile(loaded, 99)) },
      engineOverheadPerStepUnloadedMs: {
        orders: SERIAL,
        p50: ms(percentile(unloaded, 50)),
        p99: ms(percentile(unloaded, 99)),
      },
      plainStepMs: {
        p50: ms(
          percentile(
            [...bodyTimes].sort((a, b) => a - b),
            50,
          ),
        ),
        byStepP50: Object.fromEntries(
          Object.entries(byKey).map(([k, v]) => [
            k,
            ms(
              percentile(
                [...v].sort((a, b) => a - b),
                50,
              ),
            ),
          ]),
        ),
      },
      targets: { perSecond: 200, overheadP50Ms: 3 },
      note: 'measured from the first import to the last fulfillment on the fake Shopify; each order: 5 steps (load and validate; shipment and rate choice; label, read before buy; capture, read first; fulfillment on Shopify, state read first), 8 vendor calls',
    };
  } finally {
    await sql.end();
    await embedded.stop();
    fake.stop();
    scratch.remove();
  }
}
