import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CREDENTIALS, orderChange } from '@switchyard/connector-amazon/testing';
import { orderConfirmation } from '@switchyard/connector-ebay/testing';
import postgres from 'postgres';
import { startFake } from '../support/fake-process.ts';
import { cli, type HubProcess, scratchDir, startHub } from '../support/hub-process.ts';
import { benchDatabase, hubDatabaseUrl } from './intake.ts';

/**
 * End-to-end latency from a marketplace's notification to the order stored in the hub, with notifications
 * arriving at `perSecond` for `seconds`: the real `switchyard start` binary, the vendor's fake in its own process.
 * - Amazon: an ORDER_CHANGE put on the fake SQS queue (long polling as SQS does) → the hub's queue reader stores
 *   it and deletes it → the hydrator reads the order with getOrder → the order is committed.
 * - eBay: a signed ORDER_CONFIRMATION POSTed to /webhooks/ebay → verified with eBay's key, stored, answered →
 *   the hydrator reads the order with getOrder → committed.
 * Latency is the order row's commit time (PostgreSQL's clock, same machine) minus the moment the notification was
 * handed over. Amazon's documented getOrder limit (0.5/s, burst 30) and eBay's daily Fulfillment quota (100,000,
 * about 1.2/s) cannot serve 50 orders a second at all: both fakes run their limits scaled up (×200; a quota of
 * 100 a second), each advertised the vendor's way, so the figure is what the hub adds, not what the vendor allows.
 */
const SELLER = 'A3SELLERFAKE01';

export async function notificationLatencyBench(options: { perSecond: number; seconds: number }) {
  return {
    amazon: await amazonLatency(options),
    ebay: await ebayLatency(options),
  };
}

/** Hands over `total` notifications at `perSecond`, each by `send(i)`; answers when each was sent (ms). */
async function paced(
  total: number,
  perSecond: number,
  send: (i: number) => Promise<void>,
): Promise<number[]> {
  const sentAt: number[] = [];
  const start = Date.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sentAt[i] = Date.now();
    pending.push(send(i));
  }
  await Promise.all(pending);
  return sentAt;
}

/** Waits until every order is stored; answers each one's commit time by external id. */
async function committed(sql: postgres.Sql, connection: string, ids: readonly string[], timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await sql<{ external_id: string; at: number }[]>`
      select external_id, (extract(epoch from created_at) * 1000)::float8 as at from orders
      where connection_id = ${connection}
        and external_id in (select jsonb_array_elements_text(${sql.json([...ids] as never)}::jsonb))`;
    if (rows.length === ids.length) return new Map(rows.map((r) => [r.external_id, r.at]));
    if (Date.now() > deadline) throw new Error(`${rows.length} of ${ids.length} orders stored in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function summary(latencies: number[], total: number, perSecond: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return {
    notifications: total,
    perSecond,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: Math.round(sorted.at(-1)!),
  };
}

/** A scratch hub with one connection, migrated, started on its own database; stopped and dropped by `close`. */
async function scratchHub(name: string, connection: string, env: Record<string, string>) {
  const scratch = scratchDir(`bench-latency-${name}`);
  writeFileSync(
    join(scratch.dir, 'switchyard.config.ts'),
    `import { defineConfig, env } from '@switchyard/core';
export default defineConfig({
  tenants: [{ id: 'bench', name: 'Bench' }],
  connections: [${connection}],
});`,
  );
  const database = await benchDatabase(`latency_${name}`);
  const all = { ...env, ...database.env } as Record<string, string>;
  const migrated = cli(scratch.dir, ['migrate'], all);
  if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
  let hub: HubProcess | undefined;
  try {
    hub = await startHub(scratch.dir, all);
  } catch (error) {
    scratch.remove();
    await database.drop();
    throw error;
  }
  const sql = postgres(hubDatabaseUrl(scratch.dir, database.env), { max: 2, onnotice: () => {} });
  return {
    hub,
    sql,
    database: database.kind,
    async close() {
      await sql.end();
      hub!.child.kill('SIGTERM');
      await hub!.exited;
      await database.drop();
      scratch.remove();
    },
  };
}

async function amazonLatency({ perSecond, seconds }: { perSecond: number; seconds: number }) {
  const fake = await startFake('../../connectors/amazon/test/fakes/amazon-server.ts', {
    AMAZON_FAKE_ORDERS: '0',
    AMAZON_FAKE_SCALE: '200',
    AMAZON_FAKE_LONG_POLL_MS: '20000',
    AMAZON_FAKE_SELLER: SELLER,
  });
  const settings = {
    sellerId: SELLER,
    marketplaceIds: ['ATVPDKIKX0DER'],
    endpoint: fake.origin,
    tokenUrl: `${fake.origin}/auth/o2/token`,
    sqs: {
      queueUrl: `${fake.origin}/123456789012/switchyard-orders`,
      region: 'us-east-1',
      endpoint: fake.origin,
    },
  };
  const hub = await scratchHub(
    'amazon',
    `{ id: 'amazon', tenant: 'bench', connector: 'amazon', settings: ${JSON.stringify(settings)},
      secrets: { clientId: env('A_ID'), clientSecret: env('A_SECRET'), refreshToken: env('A_REFRESH'),
                 awsAccessKeyId: env('A_AWS_ID'), awsSecretAccessKey: env('A_AWS_SECRET') } }`,
    {
      A_ID: CREDENTIALS.clientId,
      A_SECRET: CREDENTIALS.clientSecret,
      A_REFRESH: CREDENTIALS.refreshToken,
      A_AWS_ID: CREDENTIALS.awsAccessKeyId,
      A_AWS_SECRET: CREDENTIALS.awsSecretAccessKey,
    },
  ).catch((error) => {
    fake.stop();
    throw error;
  });
  try {
    const total = Math.round(perSecond * seconds);
    const ids = Array.from(
      { length: total },
      (_, i) => `114-${String(Date.now() % 1e7).padStart(7, '0')}-${String(i).padStart(7, '0')}`,
    );
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${fake.origin}${path}`, { method: 'POST', body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    };
    const sentAt = await paced(total, perSecond, async (i) => {
      const at = new Date().toISOString();
      await post('/__fake/orders', { orderId: ids[i], updatedAt: at });
      await post('/__fake/sqs', orderChange(ids[i]!, { sellerId: SELLER, status: 'Unshipped', at }));
    });
    const stored = await committed(hub.sql, 'amazon', ids);
    const latencies = ids.map((id, i) => stored.get(id)! - sentAt[i]!);
    const stats = (await (await fetch(`${fake.origin}/__fake/stats`)).json()) as {
      byOperation: Record<string, { calls: number; throttled: number }>;
    };
    return {
      ...summary(latencies, total, perSecond),
      path: 'SQS ORDER_CHANGE → queue reader → getOrder → order',
      fakeRateScale: 200,
      getOrderCalls: stats.byOperation.getOrder?.calls ?? 0,
      throttled: stats.byOperation.getOrder?.throttled ?? 0,
      database: hub.database,
    };
  } finally {
    await hub.close();
    fake.stop();
  }
}

async function ebayLatency({ perSecond, seconds }: { perSecond: number; seconds: number }) {
  const total = Math.round(perSecond * seconds);
  const secrets = {
    clientId: 'bench-ebay-client',
    clientSecret: 'bench-ebay-secret',
    refreshToken: 'bench-ebay-refresh',
  };
  const fake = await startFake('../../connectors/ebay/test/fakes/ebay-server.ts', {
    EBAY_FAKE_ORDERS: String(total),
    EBAY_FAKE_FULFILLMENT_PER_DAY: String(100 * 86_400),
    EBAY_FAKE_BURST: '100',
    EBAY_FAKE_CLIENT_ID: secrets.clientId,
    EBAY_FAKE_CLIENT_SECRET: secrets.clientSecret,
    EBAY_FAKE_REFRESH_TOKEN: secrets.refreshToken,
  });
  const hub = await scratchHub(
    'ebay',
    `{ id: 'ebay', tenant: 'bench', connector: 'ebay', settings: ${JSON.stringify({ apiOrigin: fake.origin })},
      secrets: { clientId: env('E_ID'), clientSecret: env('E_SECRET'), refreshToken: env('E_REFRESH'),
                 verificationToken: env('E_VERIFY') } }`,
    {
      E_ID: secrets.clientId,
      E_SECRET: secrets.clientSecret,
      E_REFRESH: secrets.refreshToken,
      E_VERIFY: 'bench-verification-token-0123456789',
    },
  ).catch((error) => {
    fake.stop();
    throw error;
  });
  try {
    const ids = (await (await fetch(`${fake.origin}/__fake/order-ids?limit=${total}`)).json()) as string[];
    // Signed ahead: the signing is the vendor's work, not part of the hub's latency.
    const bodies = ids.map((id, i) => orderConfirmation(`bench-n-${i}`, id, new Date().toISOString()));
    const signatures = await Promise.all(
      bodies.map(
        async (body) =>
          (await (await fetch(`${fake.origin}/__fake/sign`, { method: 'POST', body })).json()) as Record<
            string,
            string
          >,
      ),
    );
    const sentAt = await paced(total, perSecond, async (i) => {
      const res = await fetch(`${hub.hub.url}/webhooks/ebay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signatures[i] },
        body: bodies[i],
      });
      if (!res.ok) throw new Error(`notification ${i}: ${res.status} ${await res.text()}`);
    });
    const stored = await committed(hub.sql, 'ebay', ids);
    const latencies = ids.map((id, i) => stored.get(id)! - sentAt[i]!);
    return {
      ...summary(latencies, total, perSecond),
      path: 'signed ORDER_CONFIRMATION → /webhooks/ebay (verified, stored, answered) → getOrder → order',
      fakeQuotaPerSecond: 100,
      database: hub.database,
    };
  } finally {
    await hub.close();
    fake.stop();
  }
}
